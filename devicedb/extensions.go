package devicedb

import (
	"context"
	"database/sql"
)

// Extension is an extension number of the account.
type Extension struct {
	Number   string `json:"number"`
	Kind     string `json:"kind"`
	ReadOnly bool   `json:"read_only"`
	Label    string `json:"label,omitempty"`
	UserID   *int64 `json:"user_id"`
}

// ListExtensions returns one page of extensions ordered by number.
func (s *Store) ListExtensions(ctx context.Context, p Page) ([]Extension, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT number, kind, read_only, label, user_id FROM extensions
		WHERE number > ? ORDER BY number LIMIT ?`, after, p.limit()+1)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []Extension{}
	for rows.Next() {
		var e Extension
		var uid sql.NullInt64
		if err := rows.Scan(&e.Number, &e.Kind, &e.ReadOnly, &e.Label, &uid); err != nil {
			return nil, "", err
		}
		if uid.Valid {
			e.UserID = &uid.Int64
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, p.limit(), func(e Extension) string { return e.Number })
	return out, next, nil
}
