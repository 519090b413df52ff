package main

import "testing"

func TestYealinkAccount1(t *testing.T) {
	cfg := []byte("#!version:1.0.0.1\naccount.1.enable = 1\naccount.1.user_name = 1000001\n" +
		"account.1.auth_name = 1000001xkzDWSpkS\naccount.1.password = fQa=Gb\n" +
		"account.10.auth_name = other\naccount.2.password = nope\nbroken line\n")
	kv := yealinkAccount1(cfg)
	for key, want := range map[string]string{
		"user_name": "1000001", "auth_name": "1000001xkzDWSpkS", "password": "fQa=Gb", "enable": "1",
	} {
		if kv[key] != want {
			t.Errorf("account.1.%s = %q, want %q", key, kv[key], want)
		}
	}
	if len(kv) != 4 {
		t.Errorf("got %d keys %v, want only account.1's 4", len(kv), kv)
	}
}

func TestSafeField(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"1000001xkzDWSpkS", true},
		{"a-b_c.d", true},
		{"", false},
		{"has space", false},
		{"semi;colon", false},
		{"[bracket]", false},
		{`quo"te`, false},
		{"apos'trophe", false},
		{`back\slash`, false},
		{"eq=ual", false},
		{"tab\there", false},
		{"caf\xc3\xa9", false},
	} {
		if got := safeField(tc.in); got != tc.want {
			t.Errorf("safeField(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestLines(t *testing.T) {
	ls := lines(9, 2)
	if len(ls) != 2 || ls[0].mac != "805ec0000009" || ls[0].extension != "1000009" ||
		ls[1].mac != "805ec000000a" || ls[1].extension != "1000010" {
		t.Fatalf("lines(9, 2) = %+v %+v", *ls[0], *ls[1])
	}
	if got := colonMAC("805ec000000a"); got != "80:5e:c0:00:00:0a" {
		t.Errorf("colonMAC = %q", got)
	}
}
