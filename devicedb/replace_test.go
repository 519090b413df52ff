package devicedb

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// replaceEnv imports the seeds' example plus a VCC agent: 0004f2a1b2c3 is
// a supported VVX 410 (joe8x8 on line 1, joe8x8.1001 on line 2,
// joe8x8.1004 on line 3);
// 0004f2000335 an unsupported SoundPoint IP 335 (joe8x8.1004); 805ec0009601
// a T46S of a VCC dedicated extension.
func replaceEnv(t *testing.T) *Store {
	s, _ := openTest(t)
	exp := joeExport()
	exp.Licenses = append(exp.Licenses, ClassicLicense{ID: "L-VCC", Type: "VCC Agent", Country: "US"}, x4("L-AGENT"))
	exp.Users = append(exp.Users, cuser("agent", ext("9601", lic("L-AGENT"))))
	exp.Devices[0].Lines = append(exp.Devices[0].Lines, ClassicDeviceLine{Line: 3, Extension: "1004"})
	exp.Devices = append(exp.Devices, ClassicDevice{MAC: "805ec0009601", Model: "T46S", Lines: []ClassicDeviceLine{{Line: 1, Extension: "9601"}}})
	mustImport(t, s, exp, importOpts())
	// The agent ends up with VCC Agent as its only license while on the
	// T46S (no path puts a VCC-only user on such a phone any more).
	agent := userByName(t, s, "agent")
	if _, err := s.AssignLicense(ctx, agent.ID, "L-VCC"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UnassignLicense(ctx, agent.ID, "L-AGENT"); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestReplaceSupported(t *testing.T) {
	s := replaceEnv(t)
	before, _ := s.DeviceConfig(ctx, "0004f2a1b2c3")
	other := Binding{AOR: "sip:9601@pbx.test", Contact: "<sip:9601@127.0.0.1:5062>", MAC: "805ec0009601", Line: 1, Expires: importNow.Add(time.Hour)}
	if err := s.SaveBindings(ctx, []Binding{{AOR: "sip:1003@pbx.test", Contact: "<sip:1003@127.0.0.1:5061>", AuthUser: before.Lines[0].AuthUser,
		MAC: "0004f2a1b2c3", Line: 1, UserID: before.Lines[0].UserID, Expires: importNow.Add(time.Hour)}, other}, nil); err != nil {
		t.Fatal(err)
	}
	res, err := s.ReplaceDevice(ctx, "00:04:f2:a1:b2:c3", ReplaceRequest{NewMAC: "0004f2bbbbbb", NewModel: "VVX 450"})
	if err != nil {
		t.Fatal(err)
	}
	// The old device's registration went in the replacement's transaction;
	// other devices' stay.
	if bs, _ := s.LoadBindings(ctx, importNow); len(bs) != 1 || bs[0].MAC != "805ec0009601" {
		t.Fatalf("bindings after the replacement: %+v", bs)
	}
	if res.Procedure != ProcedureSwap || res.DryRun || len(res.Steps) != 6 || res.OldDevice.Status != DeviceRetired || res.OldDevice.ReplacedBy != "0004f2bbbbbb" {
		t.Fatalf("result: %+v", res)
	}
	d, err := s.DeviceConfig(ctx, "0004f2bbbbbb")
	if err != nil || d.Status != DeviceActive || len(d.Lines) != 3 {
		t.Fatalf("new device: %+v %v", d, err)
	}
	for i, l := range d.Lines {
		if l.UserID != before.Lines[i].UserID || l.Line != before.Lines[i].Line || !l.Enabled {
			t.Errorf("line %d: %+v, was %+v", l.Line, l, before.Lines[i])
		}
		if l.AuthUser == before.Lines[i].AuthUser || l.Password == before.Lines[i].Password {
			t.Errorf("line %d kept the retired phone's credentials", l.Line)
		}
		if _, err := s.LineByAuthUser(ctx, before.Lines[i].AuthUser); !errors.Is(err, ErrNotFound) {
			t.Errorf("the old credentials still authenticate: %v", err)
		}
	}
	// The retired device takes no edits and no second replacement.
	_, err = s.ReplaceDevice(ctx, "0004f2a1b2c3", ReplaceRequest{NewMAC: "0004f2cccccc", NewModel: "VVX 450"})
	wantKind(t, err, ErrConflict)
	if a, _, _ := s.ListAudit(ctx, AuditFilter{Entity: "device", EntityID: "0004f2a1b2c3"}, Page{}); len(a) < 2 || a[0].Action != "replace_drop_registrations" || a[1].Action != "replace_retire_device" {
		t.Fatalf("audit: %+v", a)
	}
}

func TestReplaceUnsupported(t *testing.T) {
	s := replaceEnv(t)
	old := userByName(t, s, "joe8x8.1004")
	vvx, _ := s.DeviceConfig(ctx, "0004f2a1b2c3")
	if _, err := s.AddPhoneNumber(ctx, old.ID, "+14155550999", "x"); !errors.Is(err, ErrConflict) {
		t.Fatal("the unsupported-device guard is off")
	}
	res, err := s.ReplaceDevice(ctx, "0004f2000335", ReplaceRequest{NewMAC: "0004f2dddddd", NewModel: "VVX 150", WelcomeLinkBase: "https://x/?t="})
	if err != nil {
		t.Fatal(err)
	}
	if res.Procedure != ProcedureNewProfile || len(res.Users) != 1 || res.OldDevice != nil {
		t.Fatalf("result: %+v", res)
	}
	nu := userByName(t, s, res.Users[0].NewUsername)
	if nu.Username == old.Username || nu.FirstName != "Joe" || nu.LastName != "Smith" || nu.VoicemailToEmail != old.VoicemailToEmail ||
		nu.Extension == nil || *nu.Extension != "1004" || len(nu.Licenses) != 1 || nu.Licenses[0].ID != "L-1004" ||
		len(nu.PhoneNumbers) != 1 || nu.PhoneNumbers[0] != old.PhoneNumbers[0] || len(nu.Devices) != 2 {
		t.Fatalf("new profile: %+v\nold: %+v", nu, old)
	}
	// Its line on the supported VVX 410 moved with its credentials: that
	// phone keeps working without noticing.
	after, _ := s.DeviceConfig(ctx, "0004f2a1b2c3")
	if len(after.Lines) != 3 || after.Lines[2].UserID != nu.ID || after.Lines[2].AuthUser != vvx.Lines[2].AuthUser ||
		after.Lines[2].Password != vvx.Lines[2].Password || !after.Lines[2].Enabled {
		t.Fatalf("line 3 of the VVX 410: %+v, was %+v", after.Lines[2], vvx.Lines[2])
	}
	if _, err := s.GetUser(ctx, old.ID); !errors.Is(err, ErrNotFound) {
		t.Fatal("old profile not deleted")
	}
	if _, err := s.GetDevice(ctx, "0004f2000335"); !errors.Is(err, ErrNotFound) {
		t.Fatal("old device not removed")
	}
	_, err = s.CreateDevice(ctx, NewDevice{MAC: "0004f2000335", Model: "VVX 150"})
	wantKind(t, err, ErrConflict)
	msgs, _, _ := s.ListOutbox(ctx, "", Page{})
	if msgs[0].Username != nu.Username || !strings.HasPrefix(msgs[0].Link, "https://x/?t=") || !strings.Contains(msgs[0].Body, "0004f2000335") {
		t.Fatalf("welcome: %+v", msgs[0])
	}
	// The new profile is a normal one: changes are accepted.
	if _, err := s.AddPhoneNumber(ctx, nu.ID, "+14155550999", "x"); err != nil {
		t.Fatal(err)
	}
	// A re-run of the import knows the new profile and changes nothing.
	if rep := mustImport(t, s, joeExport(), importOpts()); rep.Totals.Changed {
		t.Fatalf("re-run after a replacement: %+v", rep.Totals)
	}
}

// TestReplaceDryRunIsThePlan: the dry run returns the steps the real run
// takes, and changes nothing.
func TestReplaceDryRunIsThePlan(t *testing.T) {
	for _, mac := range []string{"0004f2a1b2c3", "0004f2000335"} {
		t.Run(mac, func(t *testing.T) {
			s := replaceEnv(t)
			before := dump(t, s)
			req := ReplaceRequest{NewMAC: "0004f2eeeeee", NewModel: "VVX 450", DryRun: true}
			plan, err := s.ReplaceDevice(ctx, mac, req)
			if err != nil {
				t.Fatal(err)
			}
			if d := diffDumps(before, dump(t, s)); d != "" {
				t.Fatalf("dry run changed: %s", d)
			}
			req.DryRun = false
			res, err := s.ReplaceDevice(ctx, mac, req)
			if err != nil {
				t.Fatal(err)
			}
			if !plan.DryRun || len(plan.Steps) < 3 || len(plan.Steps) != len(res.Steps) {
				t.Fatalf("plan %+v\nresult %+v", plan.Steps, res.Steps)
			}
			for i := range plan.Steps {
				if plan.Steps[i] != res.Steps[i] {
					t.Errorf("step %d: plan %+v, done %+v", i+1, plan.Steps[i], res.Steps[i])
				}
			}
		})
	}
}

func TestReplaceRefusals(t *testing.T) {
	s := replaceEnv(t)
	if _, err := s.CreateDevice(ctx, NewDevice{MAC: "0004f2ffffff", Model: "VVX 410"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, mac string
		req       ReplaceRequest
		kind      error
		msg       string
	}{
		{"unknown device", "0004f2999999", ReplaceRequest{NewMAC: "0004f2aaaaa1", NewModel: "VVX 450"}, ErrNotFound, "does not exist"},
		{"bad new mac", "0004f2a1b2c3", ReplaceRequest{NewMAC: "xyz", NewModel: "VVX 450"}, ErrInvalid, "new_mac"},
		{"same mac", "0004f2a1b2c3", ReplaceRequest{NewMAC: "0004f2a1b2c3", NewModel: "VVX 450"}, ErrInvalid, "being replaced"},
		{"no model", "0004f2a1b2c3", ReplaceRequest{NewMAC: "0004f2aaaaa1"}, ErrInvalid, "new_model is required"},
		{"unsupported new model", "0004f2a1b2c3", ReplaceRequest{NewMAC: "0004f2aaaaa1", NewModel: "SoundPoint IP 650"}, ErrInvalid, "VVX 450"},
		{"new mac in use", "0004f2a1b2c3", ReplaceRequest{NewMAC: "0004f2ffffff", NewModel: "VVX 450"}, ErrConflict, "exists already"},
		{"too few lines", "0004f2a1b2c3", ReplaceRequest{NewMAC: "0004f2aaaaa1", NewModel: "VVX 101"}, ErrInvalid, "lines 1 to 1"},
		{"VCC on an ordinary phone", "805ec0009601", ReplaceRequest{NewMAC: "805ec00aaaa1", NewModel: "T48U"}, ErrInvalid, "VCC dedicated extension"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.ReplaceDevice(ctx, c.mac, c.req)
			wantKind(t, err, c.kind)
			if !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error %q does not say %q", err, c.msg)
			}
		})
	}
	// The VCC extension takes a contact-center model.
	if _, err := s.ReplaceDevice(ctx, "805ec0009601", ReplaceRequest{NewMAC: "64167f00aaa1", NewModel: "CCX 500"}); err != nil {
		t.Fatal(err)
	}
}
