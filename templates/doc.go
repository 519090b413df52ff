// Package templates holds the phone model catalog and the per-family
// configuration templates that the config server renders, both embedded in
// the binary and overridable from a folder.
package templates
