package tftp

import (
	"encoding/binary"
	"errors"
	"strings"
)

// Opcodes (RFC 1350, RFC 2347).
const (
	opRRQ   uint16 = 1
	opWRQ   uint16 = 2
	opDATA  uint16 = 3
	opACK   uint16 = 4
	opERROR uint16 = 5
	opOACK  uint16 = 6
)

// Error codes (RFC 1350, RFC 2347).
const (
	errNotDefined   uint16 = 0
	errNotFound     uint16 = 1
	errAccess       uint16 = 2
	errIllegalOp    uint16 = 4
	errUnknownTID   uint16 = 5
	errOptionDenied uint16 = 8
)

// Limits on requests: a name is what a phone asks for, never a long path.
const (
	maxNameLen  = 255
	maxOptions  = 16
	maxOptValue = 32
)

// Packet is one parsed TFTP packet. Only the fields of its opcode are set.
type Packet struct {
	// Op is the opcode: 1 RRQ, 2 WRQ, 3 DATA, 4 ACK, 5 ERROR, 6 OACK.
	Op uint16
	// Name and Mode (lower case, "octet" or "netascii") of a request.
	Name, Mode string
	// Options of a request or OACK, names in lower case, in the order
	// sent; a repeated name keeps its first value.
	Options []Option
	// Block of a DATA or ACK.
	Block uint16
	// Data of a DATA packet (aliases the parsed buffer).
	Data []byte
	// Code and Message of an ERROR.
	Code    uint16
	Message string
}

// Option is one RFC 2347 option.
type Option struct{ Name, Value string }

// Parse errors.
var (
	errShort   = errors.New("tftp: packet too short")
	errOpcode  = errors.New("tftp: unknown opcode")
	errField   = errors.New("tftp: field not NUL-terminated")
	errName    = errors.New("tftp: file name empty, too long or not printable ASCII")
	errMode    = errors.New("tftp: transfer mode is not octet or netascii")
	errOptions = errors.New("tftp: malformed or too many options")
)

// ParsePacket parses one TFTP datagram. Requests must name a printable
// ASCII file of at most 255 bytes in octet or netascii mode (any case);
// option values must be printable and short.
func ParsePacket(b []byte) (Packet, error) {
	if len(b) < 2 {
		return Packet{}, errShort
	}
	p := Packet{Op: binary.BigEndian.Uint16(b)}
	body := b[2:]
	switch p.Op {
	case opRRQ, opWRQ:
		fields, err := splitFields(body)
		if err != nil {
			return Packet{}, err
		}
		if len(fields) < 2 {
			return Packet{}, errShort
		}
		p.Name = fields[0]
		if p.Name == "" || len(p.Name) > maxNameLen || !printable(p.Name) {
			return Packet{}, errName
		}
		switch m := asciiLower(fields[1]); m {
		case "octet", "netascii":
			p.Mode = m
		default:
			return Packet{}, errMode
		}
		if p.Options, err = parseOptions(fields[2:]); err != nil {
			return Packet{}, err
		}
	case opOACK:
		fields, err := splitFields(body)
		if err != nil {
			return Packet{}, err
		}
		if p.Options, err = parseOptions(fields); err != nil {
			return Packet{}, err
		}
	case opDATA, opACK:
		if len(body) < 2 {
			return Packet{}, errShort
		}
		p.Block = binary.BigEndian.Uint16(body)
		if p.Op == opDATA {
			p.Data = body[2:]
		} else if len(body) > 2 {
			return Packet{}, errOptions
		}
	case opERROR:
		if len(body) < 3 || body[len(body)-1] != 0 {
			return Packet{}, errShort
		}
		p.Code = binary.BigEndian.Uint16(body)
		p.Message = string(body[2 : len(body)-1])
	default:
		return Packet{}, errOpcode
	}
	return p, nil
}

// splitFields splits NUL-terminated strings; the last must be terminated.
func splitFields(b []byte) ([]string, error) {
	if len(b) == 0 || b[len(b)-1] != 0 {
		return nil, errField
	}
	return strings.Split(string(b[:len(b)-1]), "\x00"), nil
}

func parseOptions(f []string) ([]Option, error) {
	if len(f)%2 != 0 || len(f) > 2*maxOptions {
		return nil, errOptions
	}
	var out []Option
next:
	for i := 0; i < len(f); i += 2 {
		name, val := asciiLower(f[i]), f[i+1]
		if name == "" || len(name) > maxOptValue || len(val) > maxOptValue || !printable(name) || !printable(val) {
			return nil, errOptions
		}
		for _, o := range out {
			if o.Name == name {
				continue next
			}
		}
		out = append(out, Option{name, val})
	}
	return out, nil
}

// printable reports whether s is printable ASCII (space to tilde).
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// asciiLower lowers ASCII letters only, so the length never changes.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Encode is the wire form of p (the inverse of ParsePacket).
func (p Packet) Encode() []byte {
	b := binary.BigEndian.AppendUint16(nil, p.Op)
	switch p.Op {
	case opRRQ, opWRQ:
		b = append(append(b, p.Name...), 0)
		b = append(append(b, p.Mode...), 0)
		b = appendOptions(b, p.Options)
	case opOACK:
		b = appendOptions(b, p.Options)
	case opDATA:
		b = append(binary.BigEndian.AppendUint16(b, p.Block), p.Data...)
	case opACK:
		b = binary.BigEndian.AppendUint16(b, p.Block)
	case opERROR:
		b = binary.BigEndian.AppendUint16(b, p.Code)
		b = append(append(b, p.Message...), 0)
	}
	return b
}

func appendOptions(b []byte, opts []Option) []byte {
	for _, o := range opts {
		b = append(append(b, o.Name...), 0)
		b = append(append(b, o.Value...), 0)
	}
	return b
}

// errorPacket is an ERROR datagram.
func errorPacket(code uint16, msg string) []byte {
	return Packet{Op: opERROR, Code: code, Message: msg}.Encode()
}

// toNetascii converts a file to netascii (RFC 764): LF becomes CR LF, a
// bare CR becomes CR NUL.
func toNetascii(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/32)
	for _, c := range b {
		switch c {
		case '\n':
			out = append(out, '\r', '\n')
		case '\r':
			out = append(out, '\r', 0)
		default:
			out = append(out, c)
		}
	}
	return out
}

// cleanName turns a requested name into the name passed to the Source:
// one leading "/" names the server's root (Cisco SPA's default
// Profile_Rule is "/spa$PSN.cfg", sent as is over TFTP), so "/spa508G.cfg"
// is "spa508G.cfg". A ".." segment, a backslash, a drive letter and any
// other absolute path ("//x", "/dir/file") are refused.
func cleanName(name string) (string, bool) {
	if strings.HasPrefix(name, "/") {
		name = name[1:]
		if strings.Contains(name, "/") {
			return "", false
		}
	}
	if name == "" || strings.ContainsAny(name, "\\\x00") || (len(name) > 1 && name[1] == ':') {
		return "", false
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", false
		}
	}
	return name, true
}
