package templates

import "errors"

// Sentinel errors of the renderer. Callers test them with errors.Is; the
// wrapping error says which file, line, family or field was at fault.
var (
	// ErrUnknownFamily is returned for a model family no template set exists for.
	ErrUnknownFamily = errors.New("unknown model family")
	// ErrUnknownKind is returned for a file kind the family does not render.
	ErrUnknownKind = errors.New("unknown file kind")
	// ErrInvalidConfig is returned when a DeviceConfig cannot be rendered
	// (bad MAC, line index outside the model, unknown time zone ...).
	ErrInvalidConfig = errors.New("invalid device config")
	// ErrTemplate is returned by NewRenderer when a template (embedded or
	// override) fails to parse, breaks the escaping rule, or fails on the
	// sample config; the message names file:line.
	ErrTemplate = errors.New("invalid template")
	// ErrOverrideDir is returned by NewRenderer when the override folder
	// cannot be read or does not follow the documented layout.
	ErrOverrideDir = errors.New("invalid template override folder")
)
