package devicedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Where phone numbers route: users, auto attendants (the default one on
// 444 read-only), receptionist extensions, voicemail and the conference
// bridge; and the list of every number of the account.

// Route kinds of a phone number (Number.RoutesTo.Kind).
const (
	RouteUser          = "user"
	RouteVirtual       = "virtual"
	RouteAutoAttendant = "auto_attendant"
	RouteVoicemail     = "voicemail"
	RouteConference    = "conference"
	RouteReceptionist  = "receptionist"
	RouteUnassigned    = "unassigned"
)

// Number is a phone number of the account and where it routes.
type Number struct {
	Number   string `json:"number"`
	RoutesTo Route  `json:"routes_to"`
	// SMS is true when the number is a user's US or Canada number and
	// messaging is enabled on the account.
	SMS bool `json:"sms"`
}

// Route is where a number rings. ID is the user, auto attendant or
// receptionist id; Extension the extension that answers; Name the
// username, auto attendant or receptionist name.
type Route struct {
	Kind      string  `json:"kind"`
	ID        *int64  `json:"id"`
	Extension *string `json:"extension"`
	Name      string  `json:"name,omitempty"`
}

const numberCols = `SELECT p.number, p.user_id, coalesce(u.username, ''), e.number, coalesce(e.kind, ''),
	p.aa_id, coalesce(a.name, ''), a.extension, p.receptionist_id, coalesce(r.name, ''), r.extension, p.rings
	FROM phone_numbers p
	LEFT JOIN users u ON u.id = p.user_id
	LEFT JOIN extensions e ON e.user_id = p.user_id
	LEFT JOIN auto_attendants a ON a.id = p.aa_id
	LEFT JOIN receptionists r ON r.id = p.receptionist_id `

func scanNumber(sc interface{ Scan(...any) error }, messaging bool) (Number, error) {
	var n Number
	var uid, aid, rid sql.NullInt64
	var uname, ekind, aname, rname, rings string
	var uext, aext, rext sql.NullString
	if err := sc.Scan(&n.Number, &uid, &uname, &uext, &ekind, &aid, &aname, &aext, &rid, &rname, &rext, &rings); err != nil {
		return n, err
	}
	str := func(v sql.NullString) *string {
		if !v.Valid {
			return nil
		}
		return &v.String
	}
	r := &n.RoutesTo
	switch {
	case uid.Valid:
		r.Kind, r.ID, r.Extension, r.Name = RouteUser, &uid.Int64, str(uext), uname
		if ekind == "virtual" {
			r.Kind = RouteVirtual
		}
		n.SMS = messaging && IsUSCanadaNumber(n.Number)
	case aid.Valid:
		r.Kind, r.ID, r.Extension, r.Name = RouteAutoAttendant, &aid.Int64, str(aext), aname
	case rid.Valid:
		r.Kind, r.ID, r.Extension, r.Name = RouteReceptionist, &rid.Int64, str(rext), rname
	case rings == "555":
		r.Kind, r.Extension, r.Name = RouteVoicemail, &rings, "voicemail"
	case rings == "556":
		r.Kind, r.Extension, r.Name = RouteConference, &rings, "conference bridge"
	default:
		r.Kind = RouteUnassigned
	}
	return n, nil
}

// ListNumbers returns one page of every phone number of the account, by
// number, with where each routes. q, when set, matches the number, the
// extension or the name it routes to by substring (surrounding spaces
// ignored).
func (s *Store) ListNumbers(ctx context.Context, q string, p Page) ([]Number, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	acct, err := loadAccount(ctx, s.r)
	if err != nil {
		return nil, "", err
	}
	where, args := `WHERE p.number > ?`, []any{after}
	// A + sent unescaped in a query string arrives as a space.
	if q = strings.TrimSpace(q); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
		where += ` AND (p.number LIKE ? ESCAPE '\' OR coalesce(e.number, a.extension, r.extension, nullif(p.rings, ''), '') LIKE ? ESCAPE '\'
			OR coalesce(u.username, a.name, r.name, '') LIKE ? ESCAPE '\')`
		args = append(args, like, like, like)
	}
	rows, err := s.r.QueryContext(ctx, numberCols+where+` ORDER BY p.number LIMIT ?`, append(args, p.limit()+1)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []Number{}
	for rows.Next() {
		n, err := scanNumber(rows, acct.MessagingEnabled)
		if err != nil {
			return nil, "", err
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, p.limit(), func(n Number) string { return n.Number })
	return out, next, nil
}

// getNumber returns one number, or ok false when the account has none.
func getNumber(ctx context.Context, q querier, number string) (Number, bool, error) {
	acct, err := loadAccount(ctx, q)
	if err != nil {
		return Number{}, false, err
	}
	n, err := scanNumber(q.QueryRowContext(ctx, numberCols+`WHERE p.number = ?`, number), acct.MessagingEnabled)
	if noRows(err) {
		return n, false, nil
	}
	return n, err == nil, err
}

// freeNumberForUser is called before a phone number is given to a user:
// a number answering an auto attendant or a receptionist extension is
// refused; one ringing voicemail or the conference bridge stops doing so.
func (t *tx) freeNumberForUser(number string) error {
	n, ok, err := getNumber(t.ctx, t, number)
	if err != nil || !ok {
		return err
	}
	if err := n.RoutesTo.refuseMove(number); err != nil {
		return err
	}
	_, err = t.ExecContext(t.ctx, `UPDATE phone_numbers SET rings = '' WHERE number = ?`, number)
	return err
}

// refuseMove refuses to take a number away from where it routes when that
// is an auto attendant (the caller moves it with PATCH) or a receptionist.
func (r Route) refuseMove(number string) error {
	switch r.Kind {
	case RouteAutoAttendant:
		if r.Extension != nil && *r.Extension == "444" {
			return conflict("phone number %s answers the default auto attendant (444, read-only); point it at a new auto attendant first: PATCH /api/v1/auto-attendants/{id} {\"phone_numbers\": [...]}", number)
		}
		return conflict("phone number %s answers auto attendant %q (id %d); point it elsewhere first: PATCH /api/v1/auto-attendants/{id} {\"phone_numbers\": [...]} on the auto attendant that should answer it", number, r.Name, *r.ID)
	case RouteReceptionist:
		return conflict("phone number %s answers receptionist extension %s, which cannot be edited after the upgrade; to change it, open a case with support", number, *r.Extension)
	}
	return nil
}

// AutoAttendant is an auto attendant of the account.
type AutoAttendant struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	Extension *string `json:"extension"`
	// ScheduleID is the schedule it follows; several auto attendants may
	// share one.
	ScheduleID *int64 `json:"schedule_id"`
	Schedule   string `json:"schedule,omitempty"`
	Active     bool   `json:"active"`
	// Default marks the default auto attendant (444): it keeps working
	// but is read-only.
	Default      bool     `json:"default"`
	ReadOnly     bool     `json:"read_only"`
	PhoneNumbers []string `json:"phone_numbers"`
}

// NewAutoAttendant is what CreateAutoAttendant takes. Active defaults to
// true; PhoneNumbers are pointed to it (from unassigned, voicemail,
// conference or another auto attendant, the default one included).
type NewAutoAttendant struct {
	Name         string   `json:"name"`
	Extension    string   `json:"extension,omitempty"`
	ScheduleID   int64    `json:"schedule_id,omitempty"`
	Active       *bool    `json:"active,omitempty"`
	PhoneNumbers []string `json:"phone_numbers,omitempty"`
}

// AutoAttendantPatch changes the fields that are not nil. Extension ""
// removes its extension, ScheduleID 0 its schedule. PhoneNumbers is the
// full list of numbers it answers: listed numbers are pointed to it,
// numbers no longer listed become unassigned.
type AutoAttendantPatch struct {
	Name         *string   `json:"name,omitempty"`
	Extension    *string   `json:"extension,omitempty"`
	ScheduleID   *int64    `json:"schedule_id,omitempty"`
	Active       *bool     `json:"active,omitempty"`
	PhoneNumbers *[]string `json:"phone_numbers,omitempty"`
}

const aaCols = `SELECT a.id, a.name, a.extension, a.schedule_id, coalesce(sc.name, ''), a.active, a.is_default
	FROM auto_attendants a LEFT JOIN aa_schedules sc ON sc.id = a.schedule_id `

func scanAA(sc interface{ Scan(...any) error }) (AutoAttendant, error) {
	var a AutoAttendant
	var ext sql.NullString
	var sch sql.NullInt64
	err := sc.Scan(&a.ID, &a.Name, &ext, &sch, &a.Schedule, &a.Active, &a.Default)
	if ext.Valid {
		a.Extension = &ext.String
	}
	if sch.Valid {
		a.ScheduleID = &sch.Int64
	}
	a.ReadOnly = a.Default
	return a, err
}

func queryStringList(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func getAA(ctx context.Context, q querier, id int64) (AutoAttendant, error) {
	a, err := scanAA(q.QueryRowContext(ctx, aaCols+`WHERE a.id = ?`, id))
	if noRows(err) {
		return a, notFound("auto attendant %d does not exist", id)
	}
	if err != nil {
		return a, err
	}
	a.PhoneNumbers, err = queryStringList(ctx, q, `SELECT number FROM phone_numbers WHERE aa_id = ? ORDER BY number`, id)
	return a, err
}

// GetAutoAttendant returns one auto attendant.
func (s *Store) GetAutoAttendant(ctx context.Context, id int64) (AutoAttendant, error) {
	return getAA(ctx, s.r, id)
}

// ListAutoAttendants returns every auto attendant, the default one first.
func (s *Store) ListAutoAttendants(ctx context.Context) ([]AutoAttendant, error) {
	ids, err := queryIDs(ctx, s.r, `SELECT id FROM auto_attendants ORDER BY is_default DESC, name, id`)
	if err != nil {
		return nil, err
	}
	out := []AutoAttendant{}
	for _, id := range ids {
		a, err := getAA(ctx, s.r, id)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// defaultAAReadOnly is the refusal of any change to the default auto
// attendant, with the way out the seeds give.
func defaultAAReadOnly(a AutoAttendant) error {
	return conflict("auto attendant %q (extension 444) is the default auto attendant: it keeps working after the upgrade but cannot be edited or removed; create a new auto attendant (POST /api/v1/auto-attendants) and point the phone numbers to it (\"phone_numbers\" in its POST or PATCH)", a.Name)
}

func checkAAName(name string) error {
	if strings.TrimSpace(name) == "" {
		return invalid("name: an auto attendant needs a name")
	}
	return checkName("name", name)
}

// claimExtension makes number a non-user extension labelled label (an
// auto attendant's or a receptionist's).
func (t *tx) claimExtension(number, label string) error {
	if err := checkExtensionNumber(number); err != nil {
		return err
	}
	if what := reservedExtensions[number]; what != "" {
		return invalid("extension %s is %s and cannot be given to anything else", number, what)
	}
	var kind, lbl string
	var owner sql.NullInt64
	err := t.QueryRowContext(t.ctx, `SELECT kind, label, user_id FROM extensions WHERE number = ?`, number).Scan(&kind, &lbl, &owner)
	switch {
	case noRows(err):
		_, err = t.ExecContext(t.ctx, `INSERT INTO extensions (number, kind, read_only, label) VALUES (?, 'reserved', 0, ?)`, number, label)
		return err
	case err != nil:
		return err
	case owner.Valid:
		return conflict("extension %s belongs to user %d; choose another extension", number, owner.Int64)
	}
	return conflict("extension %s is taken (%s); choose another extension", number, lbl)
}

func (t *tx) checkSchedule(id int64) error {
	var n int
	if err := t.QueryRowContext(t.ctx, `SELECT count(*) FROM aa_schedules WHERE id = ?`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return invalid("schedule_id %d: no such schedule; GET /api/v1/schedules lists them, POST /api/v1/schedules makes one", id)
	}
	return nil
}

// CreateAutoAttendant adds an auto attendant, with its phone numbers
// pointed to it.
func (s *Store) CreateAutoAttendant(ctx context.Context, n NewAutoAttendant) (AutoAttendant, error) {
	if err := checkAAName(n.Name); err != nil {
		return AutoAttendant{}, err
	}
	active := n.Active == nil || *n.Active
	var a AutoAttendant
	err := s.write(ctx, "create_auto_attendant", func(t *tx) error {
		var ext, sched any
		if n.Extension != "" {
			if err := t.claimExtension(n.Extension, "auto attendant "+n.Name); err != nil {
				return err
			}
			ext = n.Extension
		}
		if n.ScheduleID != 0 {
			if err := t.checkSchedule(n.ScheduleID); err != nil {
				return err
			}
			sched = n.ScheduleID
		}
		var id int64
		err := t.QueryRowContext(t.ctx, `INSERT INTO auto_attendants (name, extension, schedule_id, active, created_at, updated_at)
			VALUES (?,?,?,?,?,?) RETURNING id`, n.Name, ext, sched, active, t.now.Unix(), t.now.Unix()).Scan(&id)
		if isUnique(err) {
			return conflict("an auto attendant named %q exists already; choose another name", n.Name)
		}
		if err != nil {
			return err
		}
		if len(n.PhoneNumbers) > 0 {
			if err := t.setAANumbers(id, n.Name, n.PhoneNumbers); err != nil {
				return err
			}
		}
		if a, err = getAA(t.ctx, t, id); err != nil {
			return err
		}
		return t.audit("create", "auto_attendant", idStr(id), nil, a)
	})
	return a, err
}

// UpdateAutoAttendant changes an auto attendant; the default one is
// read-only.
func (s *Store) UpdateAutoAttendant(ctx context.Context, id int64, p AutoAttendantPatch) (AutoAttendant, error) {
	var a AutoAttendant
	err := s.write(ctx, "update_auto_attendant", func(t *tx) error {
		before, err := getAA(t.ctx, t, id)
		if err != nil {
			return err
		}
		if before.Default {
			return defaultAAReadOnly(before)
		}
		name := before.Name
		if p.Name != nil {
			if err := checkAAName(*p.Name); err != nil {
				return err
			}
			name = *p.Name
		}
		cur := ""
		if before.Extension != nil {
			cur = *before.Extension
		}
		ext := cur
		if p.Extension != nil {
			ext = *p.Extension
		}
		sched := before.ScheduleID
		if p.ScheduleID != nil {
			sched = nil
			if *p.ScheduleID != 0 {
				if err := t.checkSchedule(*p.ScheduleID); err != nil {
					return err
				}
				sched = p.ScheduleID
			}
		}
		active := before.Active
		if p.Active != nil {
			active = *p.Active
		}
		if ext != cur {
			if _, err := t.ExecContext(t.ctx, `UPDATE auto_attendants SET extension = NULL WHERE id = ?`, id); err != nil {
				return err
			}
			if cur != "" {
				if _, err := t.ExecContext(t.ctx, `DELETE FROM extensions WHERE number = ?`, cur); err != nil {
					return err
				}
			}
			if ext != "" {
				if err := t.claimExtension(ext, "auto attendant "+name); err != nil {
					return err
				}
			}
		} else if ext != "" && name != before.Name {
			if _, err := t.ExecContext(t.ctx, `UPDATE extensions SET label = ? WHERE number = ?`, "auto attendant "+name, ext); err != nil {
				return err
			}
		}
		var extArg any
		if ext != "" {
			extArg = ext
		}
		_, err = t.ExecContext(t.ctx, `UPDATE auto_attendants SET name = ?, extension = ?, schedule_id = ?, active = ?, updated_at = ? WHERE id = ?`,
			name, extArg, sched, active, t.now.Unix(), id)
		if isUnique(err) {
			return conflict("an auto attendant named %q exists already; choose another name", name)
		}
		if err != nil {
			return err
		}
		if p.PhoneNumbers != nil {
			if err := t.setAANumbers(id, name, *p.PhoneNumbers); err != nil {
				return err
			}
		}
		if a, err = getAA(t.ctx, t, id); err != nil {
			return err
		}
		if sameAA(a, before) {
			a = before
			return errRollback // nothing changed: nothing written, no audit entry
		}
		return t.audit("update", "auto_attendant", idStr(id), before, a)
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	return a, err
}

func sameAA(a, b AutoAttendant) bool {
	return a.Name == b.Name && eqStrPtr(a.Extension, b.Extension) && equalPtr(a.ScheduleID, b.ScheduleID) &&
		a.Active == b.Active && strings.Join(a.PhoneNumbers, ",") == strings.Join(b.PhoneNumbers, ",")
}

func eqStrPtr(a, b *string) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// setAANumbers makes numbers the full list of numbers auto attendant id
// answers, one audited route change per number moved.
func (t *tx) setAANumbers(id int64, name string, numbers []string) error {
	want := map[string]bool{}
	for _, n := range numbers {
		if err := checkPhoneNumber(n); err != nil {
			return err
		}
		if want[n] {
			return invalid("phone number %s is listed twice", n)
		}
		want[n] = true
	}
	cur, err := queryStringList(t.ctx, t, `SELECT number FROM phone_numbers WHERE aa_id = ?`, id)
	if err != nil {
		return err
	}
	for _, n := range cur {
		if want[n] {
			delete(want, n)
			continue
		}
		if err := t.routeNumber(n, func() error {
			_, err := t.ExecContext(t.ctx, `UPDATE phone_numbers SET aa_id = NULL, routing = '' WHERE number = ?`, n)
			return err
		}); err != nil {
			return err
		}
	}
	moved := make([]string, 0, len(want))
	for n := range want {
		moved = append(moved, n)
	}
	sort.Strings(moved)
	routing := "auto attendant " + name
	for _, n := range moved {
		before, ok, err := getNumber(t.ctx, t, n)
		if err != nil {
			return err
		}
		if ok {
			if before.RoutesTo.Kind == RouteUser || before.RoutesTo.Kind == RouteVirtual {
				return conflict("phone number %s belongs to user %s (id %d); remove it there first (DELETE /api/v1/users/%d/numbers/%s)",
					n, before.RoutesTo.Name, *before.RoutesTo.ID, *before.RoutesTo.ID, n)
			}
			if before.RoutesTo.Kind == RouteReceptionist {
				return before.RoutesTo.refuseMove(n)
			}
		}
		if err := t.routeNumber(n, func() error {
			if !ok {
				_, err := t.ExecContext(t.ctx, `INSERT INTO phone_numbers (number, routing, aa_id) VALUES (?,?,?)`, n, routing, id)
				return err
			}
			_, err := t.ExecContext(t.ctx, `UPDATE phone_numbers SET aa_id = ?, rings = '', routing = ? WHERE number = ?`, id, routing, n)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// routeNumber runs change on number and audits where it routed before and
// after.
func (t *tx) routeNumber(number string, change func() error) error {
	before, ok, err := getNumber(t.ctx, t, number)
	if err != nil {
		return err
	}
	if err := change(); err != nil {
		return err
	}
	after, _, err := getNumber(t.ctx, t, number)
	if err != nil {
		return err
	}
	var b any
	if ok {
		b = before
	}
	return t.audit("route", "phone_number", number, b, after)
}

// DeleteAutoAttendant removes an auto attendant that answers no phone
// number; the default one cannot be removed.
func (s *Store) DeleteAutoAttendant(ctx context.Context, id int64) error {
	return s.write(ctx, "delete_auto_attendant", func(t *tx) error {
		before, err := getAA(t.ctx, t, id)
		if err != nil {
			return err
		}
		if before.Default {
			return defaultAAReadOnly(before)
		}
		if len(before.PhoneNumbers) > 0 {
			return conflict("auto attendant %q answers %s; point those numbers elsewhere first (PATCH /api/v1/auto-attendants/{id} {\"phone_numbers\": [...]})",
				before.Name, strings.Join(before.PhoneNumbers, ", "))
		}
		if _, err := t.ExecContext(t.ctx, `DELETE FROM auto_attendants WHERE id = ?`, id); err != nil {
			return err
		}
		if before.Extension != nil {
			if _, err := t.ExecContext(t.ctx, `DELETE FROM extensions WHERE number = ?`, *before.Extension); err != nil {
				return err
			}
		}
		return t.audit("delete", "auto_attendant", idStr(id), before, nil)
	})
}

// Schedule is an auto attendant schedule, shared by the auto attendants
// that follow it.
type Schedule struct {
	ID             int64     `json:"id"`
	Name           string    `json:"name"`
	AutoAttendants []int64   `json:"auto_attendants"`
	Created        time.Time `json:"created_at"`
}

func getSchedule(ctx context.Context, q querier, id int64) (Schedule, error) {
	sc := Schedule{ID: id}
	var c int64
	err := q.QueryRowContext(ctx, `SELECT name, created_at FROM aa_schedules WHERE id = ?`, id).Scan(&sc.Name, &c)
	if noRows(err) {
		return sc, notFound("schedule %d does not exist", id)
	}
	if err != nil {
		return sc, err
	}
	sc.Created = time.Unix(c, 0).UTC()
	sc.AutoAttendants, err = queryIDs(ctx, q, `SELECT id FROM auto_attendants WHERE schedule_id = ? ORDER BY id`, id)
	if sc.AutoAttendants == nil {
		sc.AutoAttendants = []int64{}
	}
	return sc, err
}

// ListSchedules returns every auto attendant schedule, by name.
func (s *Store) ListSchedules(ctx context.Context) ([]Schedule, error) {
	ids, err := queryIDs(ctx, s.r, `SELECT id FROM aa_schedules ORDER BY name, id`)
	if err != nil {
		return nil, err
	}
	out := []Schedule{}
	for _, id := range ids {
		sc, err := getSchedule(ctx, s.r, id)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, nil
}

// CreateSchedule adds an auto attendant schedule.
func (s *Store) CreateSchedule(ctx context.Context, name string) (Schedule, error) {
	if strings.TrimSpace(name) == "" {
		return Schedule{}, invalid("name: a schedule needs a name")
	}
	if err := checkName("name", name); err != nil {
		return Schedule{}, err
	}
	var sc Schedule
	err := s.write(ctx, "create_schedule", func(t *tx) error {
		var id int64
		err := t.QueryRowContext(t.ctx, `INSERT INTO aa_schedules (name, created_at) VALUES (?,?) RETURNING id`, name, t.now.Unix()).Scan(&id)
		if isUnique(err) {
			return conflict("a schedule named %q exists already; use it (schedule_id) or choose another name", name)
		}
		if err != nil {
			return err
		}
		if sc, err = getSchedule(t.ctx, t, id); err != nil {
			return err
		}
		return t.audit("create", "schedule", idStr(id), nil, sc)
	})
	return sc, err
}

// Receptionist is a custom receptionist extension carried by the import:
// it keeps working, but cannot be edited or removed (support does that).
type Receptionist struct {
	ID           int64    `json:"id"`
	Extension    string   `json:"extension"`
	Name         string   `json:"name"`
	PhoneNumbers []string `json:"phone_numbers"`
	ReadOnly     bool     `json:"read_only"`
}

func getReceptionist(ctx context.Context, q querier, id int64) (Receptionist, error) {
	r := Receptionist{ID: id, ReadOnly: true}
	err := q.QueryRowContext(ctx, `SELECT extension, name FROM receptionists WHERE id = ?`, id).Scan(&r.Extension, &r.Name)
	if noRows(err) {
		return r, notFound("receptionist %d does not exist", id)
	}
	if err != nil {
		return r, err
	}
	r.PhoneNumbers, err = queryStringList(ctx, q, `SELECT number FROM phone_numbers WHERE receptionist_id = ? ORDER BY number`, id)
	return r, err
}

// GetReceptionist returns one receptionist extension.
func (s *Store) GetReceptionist(ctx context.Context, id int64) (Receptionist, error) {
	return getReceptionist(ctx, s.r, id)
}

// ListReceptionists returns every receptionist extension, by extension.
func (s *Store) ListReceptionists(ctx context.Context) ([]Receptionist, error) {
	ids, err := queryIDs(ctx, s.r, `SELECT id FROM receptionists ORDER BY extension`)
	if err != nil {
		return nil, err
	}
	out := []Receptionist{}
	for _, id := range ids {
		r, err := getReceptionist(ctx, s.r, id)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// ChangeReceptionist is the refusal of an edit ("edit") or a removal
// ("remove") of a receptionist extension: after the upgrade only support
// can do either. It answers ErrNotFound for an unknown id.
func (s *Store) ChangeReceptionist(ctx context.Context, id int64, what string) error {
	r, err := getReceptionist(ctx, s.r, id)
	if err != nil {
		return err
	}
	verb := "edited"
	if what == "remove" {
		verb = "removed"
	}
	return conflict("receptionist extension %s (%s) keeps working after the upgrade but cannot be %s here; to %s it, open a case with support",
		r.Extension, fmt.Sprintf("%q", r.Name), verb, what)
}
