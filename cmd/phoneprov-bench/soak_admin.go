package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// slot is one admin object the soak's writes cycle through: a user
// (soakw0001 on extension 90000001, license SOAK-0001) and a device
// (MAC 02b0b0000001, the mix's models in turn), outside the seeded
// phones' numbering. Each write advances it one step of adminSteps; a
// failed step marks it dirty, and its next turn cleans it up first.
type slot struct {
	mu    sync.Mutex
	k     int
	step  int
	uid   int64
	rev   int
	dirty bool
}

func (sl *slot) username() string  { return fmt.Sprintf("soakw%04d", sl.k+1) }
func (sl *slot) extension() string { return fmt.Sprintf("%d", 90000001+sl.k) }
func (sl *slot) license() string   { return fmt.Sprintf("SOAK-%04d", sl.k+1) }
func (sl *slot) mac() string       { return fmt.Sprintf("02b0b0%06x", sl.k+1) }

// adminStep is one admin write of a slot's cycle.
type adminStep struct {
	name string
	run  func(ctx context.Context, s *soak, sl *slot) error
}

// adminSteps is the cycle: nine writes that leave the slot as it was.
var adminSteps = []adminStep{
	{"create user", func(ctx context.Context, s *soak, sl *slot) error {
		var u struct {
			ID int64 `json:"id"`
		}
		err := s.a.call(ctx, http.MethodPost, "/users", map[string]string{"username": sl.username(), "first_name": "Soak",
			"last_name": fmt.Sprintf("Slot %d", sl.k+1), "email": sl.username() + "@soak.example",
			"extension": sl.extension(), "time_zone": "Europe/Paris"}, http.StatusCreated, &u)
		sl.uid = u.ID
		return err
	}},
	{"assign license", func(ctx context.Context, s *soak, sl *slot) error {
		return s.a.call(ctx, http.MethodPost, fmt.Sprintf("/users/%d/licenses", sl.uid),
			map[string]string{"license_id": sl.license()}, http.StatusOK, nil)
	}},
	{"patch user", func(ctx context.Context, s *soak, sl *slot) error {
		sl.rev++
		return s.a.call(ctx, http.MethodPatch, fmt.Sprintf("/users/%d", sl.uid),
			map[string]string{"last_name": fmt.Sprintf("Slot %d rev %d", sl.k+1, sl.rev)}, http.StatusOK, nil)
	}},
	{"add device", func(ctx context.Context, s *soak, sl *slot) error {
		return s.a.call(ctx, http.MethodPost, "/devices", map[string]string{"mac": sl.mac(),
			"model": vendors[sl.k%len(vendors)].model}, http.StatusCreated, nil)
	}},
	{"assign line", func(ctx context.Context, s *soak, sl *slot) error {
		return s.a.call(ctx, http.MethodPut, "/devices/"+sl.mac()+"/lines/1", map[string]int64{"user_id": sl.uid},
			http.StatusOK, nil)
	}},
	{"resync", func(ctx context.Context, s *soak, _ *slot) error {
		ph := s.registeredPhone()
		if ph == nil {
			s.resyncSkipped.Add(1)
			return errSkipped
		}
		defer ph.mu.Unlock()
		return s.a.call(ctx, http.MethodPost, "/devices/"+ph.d.mac+"/resync", nil, http.StatusAccepted, nil)
	}},
	{"unassign line", func(ctx context.Context, s *soak, sl *slot) error {
		return s.a.call(ctx, http.MethodDelete, "/devices/"+sl.mac()+"/lines/1", nil, http.StatusOK, nil)
	}},
	{"remove device", func(ctx context.Context, s *soak, sl *slot) error {
		return s.a.call(ctx, http.MethodDelete, "/devices/"+sl.mac(), nil, http.StatusNoContent, nil)
	}},
	{"delete user", func(ctx context.Context, s *soak, sl *slot) error {
		return s.a.call(ctx, http.MethodDelete, fmt.Sprintf("/users/%d", sl.uid), nil, http.StatusNoContent, nil)
	}},
}

// errSkipped: the step had nothing to act on and sent nothing.
var errSkipped = errors.New("skipped")

// adminOp is one admin write: the next step of the next slot not busy.
func (s *soak) adminOp(ctx context.Context, _ int64) {
	var sl *slot
	for k := 0; k < len(s.slots) && sl == nil; k++ {
		c := s.slots[s.slotN.Add(1)%int64(len(s.slots))]
		if c.mu.TryLock() {
			sl = c
		}
	}
	if sl == nil {
		s.counts["admin"].late.Add(1)
		return
	}
	defer sl.mu.Unlock()
	actx, cancel := context.WithTimeout(ctx, s.c.Step)
	defer cancel()
	if sl.dirty {
		t0 := time.Now()
		err := s.cleanSlot(actx, sl)
		s.done("admin", "admin clean up", t0, err, httpKind)
		return
	}
	st := adminSteps[sl.step]
	t0 := time.Now()
	err := st.run(actx, s, sl)
	if errors.Is(err, errSkipped) {
		sl.step = (sl.step + 1) % len(adminSteps)
		return
	}
	s.done("admin", "admin "+st.name, t0, err, httpKind)
	if err != nil {
		sl.dirty = true
		return
	}
	sl.step = (sl.step + 1) % len(adminSteps)
}

// cleanSlot removes what a slot may have left (its device, its user) and
// starts its cycle again; a 404 is fine.
func (s *soak) cleanSlot(ctx context.Context, sl *slot) error {
	err := s.a.call(ctx, http.MethodDelete, "/devices/"+sl.mac(), nil, http.StatusNoContent, nil)
	if err != nil && !isStatus(err, http.StatusNotFound) {
		return err
	}
	var us []struct {
		ID int64 `json:"id"`
	}
	if err := s.a.call(ctx, http.MethodGet, "/users?username="+url.QueryEscape(sl.username()), nil, http.StatusOK, &us); err != nil {
		return err
	}
	for _, u := range us {
		if err := s.a.call(ctx, http.MethodDelete, fmt.Sprintf("/users/%d", u.ID), nil, http.StatusNoContent, nil); err != nil {
			return err
		}
	}
	sl.step, sl.uid, sl.dirty = 0, 0, false
	return nil
}

// setupSlots makes the slots, cleans up what an earlier soak left and
// makes each slot's license (a 409: it exists).
func (s *soak) setupSlots(ctx context.Context) error {
	for k := 0; k < s.c.Slots; k++ {
		sl := &slot{k: k}
		if err := s.cleanSlot(ctx, sl); err != nil {
			return err
		}
		err := s.a.call(ctx, http.MethodPost, "/licenses", map[string]string{"id": sl.license(), "type": "X4",
			"country": "FR", "service_address": "1 rue de la Paix, Paris"}, http.StatusCreated, nil)
		if err != nil && !isStatus(err, http.StatusConflict) {
			return err
		}
		s.slots = append(s.slots, sl)
	}
	return nil
}

// isStatus reports whether err is an answer with the given status.
func isStatus(err error, code int) bool {
	var se *statusError
	return errors.As(err, &se) && se.code == code
}
