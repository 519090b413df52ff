package devicedb

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// chooseOwner picks the extension the original username follows: the one
// last logged into on Desktop if the user ever used Desktop, otherwise on
// Mobile. Ties and the absence of any login go to the lowest extension
// number, with a warning. Reserved extensions are never picked.
func (u *planUser) chooseOwner() {
	var cands []int
	for i, e := range u.exts {
		if e.reserved == "" {
			cands = append(cands, i)
		}
	}
	switch len(cands) {
	case 0:
		return
	case 1:
		u.owner, u.ownerWhy = cands[0], "the only one"
		return
	}
	for _, app := range []struct {
		name string
		at   func(planExt) time.Time
	}{{"Desktop", func(e planExt) time.Time { return e.desktop }}, {"Mobile", func(e planExt) time.Time { return e.mobile }}} {
		var best time.Time
		var ties []int
		for _, i := range cands {
			t := app.at(u.exts[i])
			switch {
			case t.IsZero() || t.Before(best):
			case t.Equal(best):
				ties = append(ties, i)
			default:
				best, ties = t, []int{i}
			}
		}
		if len(ties) == 0 {
			continue
		}
		u.owner = u.lowest(ties)
		u.ownerWhy = fmt.Sprintf("the one last logged into on %s, at %s", app.name, best.Format(time.RFC3339))
		if len(ties) > 1 {
			u.warnings = append(u.warnings, fmt.Sprintf("extensions %s were last logged into on %s at the same time (%s): %s follows the lowest, %s",
				u.numbers(ties), app.name, best.Format(time.RFC3339), u.Username, u.exts[u.owner].Number))
		}
		return
	}
	u.owner = u.lowest(cands)
	u.ownerWhy = "the lowest, as no Desktop or Mobile login is recorded"
	u.warnings = append(u.warnings, fmt.Sprintf("no Desktop or Mobile login recorded on extensions %s: %s follows the lowest, %s",
		u.numbers(cands), u.Username, u.exts[u.owner].Number))
}

func (u *planUser) lowest(idx []int) int {
	best := idx[0]
	for _, i := range idx[1:] {
		if extLess(u.exts[i].Number, u.exts[best].Number) {
			best = i
		}
	}
	return best
}

func (u *planUser) numbers(idx []int) string {
	ns := make([]string, len(idx))
	for k, i := range idx {
		ns[k] = u.exts[i].Number
	}
	sort.Slice(ns, func(a, b int) bool { return extLess(ns[a], ns[b]) })
	return strings.Join(ns, ", ")
}

// extLess orders extension numbers by value, then by spelling.
func extLess(a, b string) bool {
	x, _ := strconv.ParseUint(a, 10, 64)
	y, _ := strconv.ParseUint(b, 10, 64)
	if x != y {
		return x < y
	}
	return a < b
}

// usernames hands out generated usernames that collide with no taken
// name (compared case-insensitively, as the database does).
type usernames struct {
	taken map[string]bool
	// exists, when set, also asks the database.
	exists func(name string) bool
}

func (n *usernames) take(name string) { n.taken[strings.ToLower(name)] = true }

func (n *usernames) has(name string) bool {
	return n.taken[strings.ToLower(name)] || (n.exists != nil && n.exists(name))
}

// generate returns a free username for extension ext of a user named
// base: base.ext, else base.ext-2, base.ext-3 …, trimmed to fit the
// username rules. A base that already ends in .ext is used as the stem.
func (n *usernames) generate(base, ext string) string {
	head, tail := base, "."+ext
	if strings.HasSuffix(strings.ToLower(base), "."+ext) {
		head, tail = base[:len(base)-len(ext)-1], "."+ext
	}
	for i := 1; ; i++ {
		t := tail
		if i > 1 {
			t += "-" + strconv.Itoa(i)
		}
		h := head
		if len(h)+len(t) > 64 {
			h = h[:64-len(t)]
		}
		if c := h + t; !n.has(c) {
			n.take(c)
			return c
		}
	}
}
