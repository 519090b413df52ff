package devicedb

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
)

// rowBatch buffers rows for one table and inserts them many at a time:
// a large import makes tens of thousands of rows of bookkeeping.
type rowBatch struct {
	head  string // INSERT INTO t (a, b) VALUES
	tuple string // (?,?)
	tail  string // ON CONFLICT …, or empty
	cols  int
	args  []any
	stmt  *sql.Stmt // prepared for a full batch
}

const batchRows = 200

func newRowBatch(head string, cols int) *rowBatch {
	return &rowBatch{head: head, cols: cols, tuple: "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"}
}

func (b *rowBatch) add(t *tx, row ...any) error {
	b.args = append(b.args, row...)
	if len(b.args) >= batchRows*b.cols {
		return b.flush(t)
	}
	return nil
}

func (b *rowBatch) flush(t *tx) error {
	n := len(b.args) / b.cols
	if n == 0 {
		return nil
	}
	defer func() { b.args = b.args[:0] }()
	if n == batchRows {
		if b.stmt == nil {
			st, err := t.PrepareContext(t.ctx, b.query(n))
			if err != nil {
				return err
			}
			b.stmt = st
		}
		_, err := b.stmt.ExecContext(t.ctx, b.args...)
		return err
	}
	_, err := t.ExecContext(t.ctx, b.query(n), b.args...)
	return err
}

func (b *rowBatch) query(n int) string {
	return b.head + strings.TrimSuffix(strings.Repeat(b.tuple+",", n), ",") + b.tail
}

func (b *rowBatch) close() {
	if b.stmt != nil {
		b.stmt.Close()
	}
}

// audit buffers an audit entry of the run, in the format of tx.audit.
func (a *applier) audit(action, entity, id string, after any) error {
	raw, err := json.Marshal(after)
	if err != nil {
		return err
	}
	return a.audits.add(a.t, a.t.now.Unix(), a.t.actor, action, entity, id, nil, string(raw))
}

// flushPending writes the buffered extensions, phone numbers and license
// holders.
func (a *applier) flushPending() error {
	for _, b := range []*rowBatch{a.extBatch, a.numBatch, a.licBatch} {
		if err := b.flush(a.t); err != nil {
			return err
		}
	}
	return nil
}

// flushAll writes the buffered rows.
func (a *applier) flushAll() error {
	for _, b := range []*rowBatch{a.objBatch, a.audits} {
		if err := b.flush(a.t); err != nil {
			return err
		}
	}
	return nil
}

// txHot answers getDevice's two queries inside the run's transaction from
// statements prepared once (as hotReader does on the read pool).
type txHot struct {
	t     *tx
	stmts map[string]*sql.Stmt
}

func (h *txHot) stmt(q string) *sql.Stmt {
	if q != deviceCols+`WHERE mac = ?` && q != lineCols {
		return nil
	}
	if st, ok := h.stmts[q]; ok {
		return st
	}
	st, err := h.t.PrepareContext(h.t.ctx, q)
	if err != nil {
		return nil // the plain query below reports the error
	}
	h.stmts[q] = st
	return st
}

func (h *txHot) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := h.stmt(q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return h.t.QueryRowContext(ctx, q, args...)
}

func (h *txHot) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := h.stmt(q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return h.t.QueryContext(ctx, q, args...)
}

func (h *txHot) close() {
	for _, st := range h.stmts {
		st.Close()
	}
}
