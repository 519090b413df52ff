package main

import (
	"html"
	"regexp"
	"strings"
)

// creds are what a phone registers line 1 with.
type creds struct {
	User, AuthUser, Password string
}

// credential patterns per family: line 1's user, auth user and password.
var (
	reAttr = func(name string) *regexp.Regexp {
		return regexp.MustCompile(`(?:^|\s)` + regexp.QuoteMeta(name) + `="([^"]*)"`)
	}
	reElem = func(name, attrs string) *regexp.Regexp {
		return regexp.MustCompile(`<` + regexp.QuoteMeta(name) + attrs + `>([^<]*)</` + regexp.QuoteMeta(name) + `>`)
	}
	credPatterns = map[string][3]*regexp.Regexp{
		"polycom":     {reAttr("reg.1.address"), reAttr("reg.1.auth.userId"), reAttr("reg.1.auth.password")},
		"fanvil":      {reElem("PhoneNumber", ""), reElem("RegisterUser", ""), reElem("RegisterPswd", "")},
		"cisco":       {reElem("User_ID_1_", `[^>]*`), reElem("Auth_ID_1_", `[^>]*`), reElem("Password_1_", `[^>]*`)},
		"grandstream": {reElem("P35", ""), reElem("P36", ""), reElem("P34", "")},
		"snom":        {reElem("user_name", ` idx="1"[^>]*`), reElem("user_pname", ` idx="1"[^>]*`), reElem("user_pass", ` idx="1"[^>]*`)},
	}
)

// parseCreds reads line 1's credentials from a config of the given family
// (Yealink "key = value" lines, the others XML). ok is false when the user
// or the password is missing; an empty auth user means the user.
func parseCreds(family string, body []byte) (c creds, ok bool) {
	if family == "yealink" {
		for _, l := range strings.Split(string(body), "\n") {
			k, v, found := strings.Cut(strings.TrimRight(l, "\r"), " = ")
			if !found {
				continue
			}
			switch k {
			case "account.1.user_name":
				c.User = v
			case "account.1.auth_name":
				c.AuthUser = v
			case "account.1.password":
				c.Password = v
			}
		}
	} else {
		p, known := credPatterns[family]
		if !known {
			return creds{}, false
		}
		var f [3]string
		for i, re := range p {
			if m := re.FindSubmatch(body); m != nil {
				f[i] = html.UnescapeString(string(m[1]))
			}
		}
		c = creds{User: f[0], AuthUser: f[1], Password: f[2]}
		if family == "polycom" {
			c.User, _, _ = strings.Cut(c.User, "@")
		}
	}
	if c.AuthUser == "" {
		c.AuthUser = c.User
	}
	return c, c.User != "" && c.Password != ""
}
