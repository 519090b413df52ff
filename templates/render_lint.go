package templates

import (
	"fmt"
	"slices"
	"strings"
	"text/template"
	"text/template/parse"
)

// lintTemplate enforces the escaping rule: every action that prints
// something ends in one of the escaping functions of the family's format
// (x, el or xlines for XML, kv or kvq for key = value). Variable declarations and
// assignments print nothing and are exempt. The rule holds for overrides
// too, so a template cannot print a display name raw by mistake.
func lintTemplate(t *template.Template, f fileFormat) error {
	if t.Tree == nil || t.Tree.Root == nil {
		return nil
	}
	allowed := escapeFuncs(f)
	var bad *parse.ActionNode
	walkActions(t.Tree.Root, func(a *parse.ActionNode) bool {
		if len(a.Pipe.Decl) > 0 || len(a.Pipe.Cmds) == 0 {
			return true
		}
		last := a.Pipe.Cmds[len(a.Pipe.Cmds)-1]
		if id, ok := last.Args[0].(*parse.IdentifierNode); ok && allowed[id.Ident] != nil {
			return true
		}
		bad = a
		return false
	})
	if bad == nil {
		return nil
	}
	loc, _ := t.Tree.ErrorContext(bad)
	names := make([]string, 0, len(allowed))
	for n := range allowed {
		names = append(names, n)
	}
	slices.Sort(names)
	return fmt.Errorf("%w: %s: output action %s must end in an escaping function (%s)",
		ErrTemplate, loc, bad, strings.Join(names, ", "))
}

// walkActions calls visit for every action node under n until it returns
// false.
func walkActions(n parse.Node, visit func(*parse.ActionNode) bool) bool {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return true
		}
		for _, c := range n.Nodes {
			if !walkActions(c, visit) {
				return false
			}
		}
	case *parse.ActionNode:
		return visit(n)
	case *parse.IfNode:
		return walkActions(n.List, visit) && walkActions(n.ElseList, visit)
	case *parse.RangeNode:
		return walkActions(n.List, visit) && walkActions(n.ElseList, visit)
	case *parse.WithNode:
		return walkActions(n.List, visit) && walkActions(n.ElseList, visit)
	}
	return true
}
