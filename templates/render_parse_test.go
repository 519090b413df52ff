package templates

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
)

// indexAttr reports whether an attribute tells repeated elements apart:
// idx and index, Cisco enterprise's <line button> and its dial plan's
// <TEMPLATE MATCH>.
func indexAttr(name string) bool {
	return name == "idx" || name == "index" || name == "button" || name == "MATCH"
}

// flatXML parses a document strictly and flattens it to key -> value:
// leaf element text under its slash path ("[n]" added for indexAttr
// attributes), attributes as path@name, and Obihai ParameterValueStructs
// as "<Object Name><Name>". A key seen twice, an element named x, a second
// root or anything after it is an error: that is what an injected value
// would produce.
func flatXML(doc string) (map[string]string, error) {
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	out := map[string]string{}
	set := func(k, v string) error {
		if _, dup := out[k]; dup {
			return fmt.Errorf("key %q appears twice", k)
		}
		out[k] = v
		return nil
	}
	type frame struct {
		path     string
		text     strings.Builder
		children bool
	}
	var stack []*frame
	var object, param string
	roots := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == "x" {
				return nil, fmt.Errorf("injected element <x>")
			}
			seg := tok.Name.Local
			for _, a := range tok.Attr {
				if indexAttr(a.Name.Local) {
					seg += "[" + a.Value + "]"
				}
			}
			path := seg
			if len(stack) == 0 {
				if roots++; roots > 1 {
					return nil, fmt.Errorf("second root element %s", seg)
				}
			} else {
				stack[len(stack)-1].children = true
				path = stack[len(stack)-1].path + "/" + seg
			}
			for _, a := range tok.Attr {
				if !indexAttr(a.Name.Local) {
					if err := set(path+"@"+a.Name.Local, a.Value); err != nil {
						return nil, err
					}
				}
			}
			stack = append(stack, &frame{path: path})
		case xml.CharData:
			if len(stack) == 0 {
				if strings.TrimSpace(string(tok)) != "" {
					return nil, fmt.Errorf("text outside the root element")
				}
				continue
			}
			stack[len(stack)-1].text.Write(tok)
		case xml.EndElement:
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if f.children {
				continue
			}
			text := f.text.String()
			switch {
			case strings.HasSuffix(f.path, "/Object/Name"):
				object = text
			case strings.HasSuffix(f.path, "/ParameterValueStruct/Name"):
				param = text
			case strings.HasSuffix(f.path, "/ParameterValueStruct/Value"):
				if err := set(object+param, text); err != nil {
					return nil, err
				}
			default:
				if err := set(f.path, text); err != nil {
					return nil, err
				}
			}
		}
	}
	if roots != 1 {
		return nil, fmt.Errorf("%d root elements", roots)
	}
	return out, nil
}

var kvLine = regexp.MustCompile(`^([A-Za-z0-9_.]+) = (.*)$`)

// parseKV reads a Yealink file: the version header, comments, include
// lines and `key = value` lines, every key once.
func parseKV(doc string) (map[string]string, []string, error) {
	lines := strings.Split(strings.TrimSuffix(doc, "\n"), "\n")
	if lines[0] != "#!version:1.0.0.1" {
		return nil, nil, fmt.Errorf("first line %q: want the version header", lines[0])
	}
	out := map[string]string{}
	var includes []string
	for i, l := range lines[1:] {
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "include:config "):
			q := strings.TrimPrefix(l, "include:config ")
			if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' || strings.Count(q, `"`) != 2 {
				return nil, nil, fmt.Errorf("line %d: bad include %q", i+2, l)
			}
			includes = append(includes, q[1:len(q)-1])
		default:
			m := kvLine.FindStringSubmatch(l)
			if m == nil {
				return nil, nil, fmt.Errorf("line %d: %q is not key = value", i+2, l)
			}
			if _, dup := out[m[1]]; dup {
				return nil, nil, fmt.Errorf("line %d: key %s appears twice", i+2, m[1])
			}
			out[m[1]] = m[2]
		}
	}
	return out, includes, nil
}

// yealinkKeys are the keys the Yealink templates may write.
var yealinkKeys = regexp.MustCompile(`^(static\.auto_provision\.(server\.(url|username|password)|power_on|repeat\.(enable|minutes))` +
	`|static\.security\.user_password|static\.trusted_certificates\.url` +
	`|static\.firmware\.url|sip\.notify_reboot_enable|overwrite_mode|local_time\.(ntp_server1|time_zone|time_zone_name|summer_time|dst_time_type|start_time|end_time|offset_time)` +
	`|lang\.(gui|wui)|sip\.nat_stun\.(enable|server|port)` +
	`|account\.\d+\.(enable|label|display_name|user_name|auth_name|password|sip_server\.1\.(address|port|transport_type|expires)))$`)

// checkParsed parses a rendered file back and checks its values.
func checkParsed(t *testing.T, fam, kind, ct, doc string, cfg *DeviceConfig) {
	t.Helper()
	if kind != KindPhone && kind != KindDevice {
		for _, secret := range []string{cfg.HTTPPassword, cfg.WebUIPassword, "s3cret", cfg.Lines[1].Password, hostilePass} {
			if strings.Contains(doc, secret) {
				t.Errorf("shared %s file carries the secret %q", kind, secret)
			}
		}
	}
	var got map[string]string
	if parsed, ok, err := parseFamily(fam, doc); ok {
		if want := contentTypes[familyDefs[fam].format]; ct != want {
			t.Errorf("content type %q, want %q", ct, want)
		}
		if err != nil {
			t.Fatalf("parsing back: %v\n%s", err, doc)
		}
		got = parsed
	} else if fam == "yealink" {
		if ct != "text/plain; charset=utf-8" {
			t.Errorf("content type %q", ct)
		}
		kv, includes, err := parseKV(doc)
		if err != nil {
			t.Fatalf("parsing back: %v\n%s", err, doc)
		}
		for k := range kv {
			if !yealinkKeys.MatchString(k) {
				t.Errorf("unexpected key %s", k)
			}
		}
		got = kv
		got["include"] = strings.Join(includes, " ")
	} else {
		if ct != "application/xml; charset=utf-8" {
			t.Errorf("content type %q", ct)
		}
		var err error
		if got, err = flatXML(doc); err != nil {
			t.Fatalf("parsing back: %v\n%s", err, doc)
		}
	}
	want := expected(fam, kind, cfg)
	if len(want) == 0 {
		t.Fatalf("no expected values for %s/%s", fam, kind)
	}
	for k, want := range want {
		if v, ok := got[k]; !ok {
			t.Errorf("%s: missing", k)
		} else if v != want {
			t.Errorf("%s = %q, want %q", k, v, want)
		}
	}
}
