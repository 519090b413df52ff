package devicedb

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// dump is the whole database: every row of every table, as text.
func dump(t testing.TB, s *Store) map[string][]string {
	t.Helper()
	tables, err := s.tableNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, tb := range tables {
		rows, err := s.r.Query(`SELECT * FROM "` + tb + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out[tb] = append(out[tb], fmt.Sprintf("%v", vals))
		}
		rows.Close()
		sort.Strings(out[tb])
	}
	return out
}

func diffDumps(a, b map[string][]string) string {
	var d []string
	for tb := range merge(a, b) {
		if !reflect.DeepEqual(a[tb], b[tb]) {
			d = append(d, fmt.Sprintf("%s: %d rows → %d rows", tb, len(a[tb]), len(b[tb])))
		}
	}
	sort.Strings(d)
	return strings.Join(d, "; ")
}

func merge(a, b map[string][]string) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}
