package provision

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"os"

	"github.com/phoneprov/phoneprov/provision/ident"
	"github.com/phoneprov/phoneprov/provision/tftp"
)

// TFTP is the source of the TFTP server (provision/tftp): the files phones
// ask for, decided as for HTTP, except that TFTP cannot authenticate a
// device. So a device's own files (they hold its SIP credentials) go only
// to sources inside PhonesConfig.Allow, and never when Allow is empty;
// files without secrets (a model's shared files, firmware images) go to
// any source. Every refusal is the same "file not found".
//
// Merge note: this glue is written against the HTTP route as it is today
// and relies on these functions of package provision: (*Phones).allowed
// and the allow list, p.throttle.blocked, p.admit.enter/leave,
// p.id.Identify (with an empty User-Agent: the model comes from the file
// name, the family from the name or the MAC's OUI), (*Phones).config
// (renderDevice and frozen, through a synthetic GET request carrying ctx
// and the path), (*Phones).serveShared and (*Phones).refuse (answering
// into a bufferWriter), p.fw.ByFilename and (*firmware.Store).Open,
// p.noteServed, p.rec.fetch, p.onFetch and p.count. It skips
// (*Phones).deviceAuth and certMACMatches on purpose. When the phone route
// becomes one decision function, point openTFTP at it with "the source is
// inside --allow" as the device's proof.
func (p *Phones) TFTP() tftp.Source { return tftp.SourceFunc(p.openTFTP) }

// errTFTPRefused is every refusal; the TFTP server answers "file not
// found" whatever the error.
var errTFTPRefused = errors.New("provision: not served over TFTP")

func (p *Phones) openTFTP(ctx context.Context, from netip.AddrPort, name string) (tftp.File, error) {
	now := p.now()
	src := from.Addr().Unmap()
	if p.throttle.blocked(src, now) {
		return nil, errTFTPRefused
	}
	if !p.admit.enter(ctx) {
		p.count("", "", "busy")
		return nil, errTFTPRefused
	}
	defer p.admit.leave()
	path := "/" + name
	id := p.id.Identify("", path)
	r := (&http.Request{Method: http.MethodGet, URL: &url.URL{Path: path}, Header: http.Header{}}).WithContext(ctx)
	f, outcome, err := p.tftpFile(r, &id, src)
	p.count(id.Vendor, metricModel(id), "tftp_"+outcome)
	return f, err
}

// tftpFile decides one TFTP request; outcome labels the fetch counter.
func (p *Phones) tftpFile(r *http.Request, id *ident.Identity, src netip.Addr) (tftp.File, string, error) {
	now := p.now()
	switch id.Kind {
	case ident.KindCommon, ident.KindBoot, ident.KindMaster:
		if id.MAC == "" {
			var w bufferWriter
			outcome := p.serveShared(&w, r, id)
			if w.status != http.StatusOK {
				return nil, outcome, errTFTPRefused
			}
			return bytes.NewReader(w.body.Bytes()), outcome, nil
		}
	case ident.KindDevice, ident.KindPhoneConfig:
	case ident.KindFirmware:
		return p.tftpFirmware(id)
	default:
		return nil, "unknown_file", errTFTPRefused
	}
	if len(p.allow) == 0 || !p.allowed(src) {
		return nil, "not_allowed", errTFTPRefused // no credential over TFTP: the network is the proof
	}
	if id.MAC == "" || id.MACMismatch {
		p.refuse(&bufferWriter{}, id, src, now)
		return nil, "refused", errTFTPRefused
	}
	e, err := p.config(r, id)
	switch {
	case errors.Is(err, errFileNotServed):
		return nil, "not_served", errTFTPRefused
	case errors.Is(err, errNotServed):
		p.refuse(&bufferWriter{}, id, src, now)
		return nil, "refused", errTFTPRefused
	case err != nil:
		if r.Context().Err() == nil {
			p.log.Error("rendering config", "mac", id.MAC, "kind", id.Kind, "err", err)
		}
		return nil, "error", err
	}
	served := *id
	served.Model, served.Family = e.model, e.family // for re-sync pushes
	p.noteServed(&served, r.URL.Path, e.etag)
	// No User-Agent over TFTP: the fetch log says how the file went.
	p.rec.fetch(id.MAC, fetchNote{at: now, ip: src, file: id.File, status: http.StatusOK, ua: "TFTP"})
	if p.onFetch != nil {
		p.onFetch(id.MAC, now)
	}
	if e.frozen {
		return bytes.NewReader(e.body), "frozen", nil
	}
	return bytes.NewReader(e.body), "ok", nil
}

// tftpFirmware opens a firmware image of the model the file name points at.
func (p *Phones) tftpFirmware(id *ident.Identity) (tftp.File, string, error) {
	if p.fw == nil || !id.Known {
		return nil, "unknown_file", errTFTPRefused
	}
	e, ok := p.fw.ByFilename(id.Model, id.File)
	if !ok {
		return nil, "unknown_file", errTFTPRefused
	}
	f, err := p.fw.Open(e)
	if err != nil {
		return nil, "unknown_file", err
	}
	return firmwareFile{io.NewSectionReader(f, 0, e.Size), f}, "firmware", nil
}

// firmwareFile is an open image: read at offsets, closed after transfer.
type firmwareFile struct {
	*io.SectionReader
	f *os.File
}

func (f firmwareFile) Close() error { return f.f.Close() }

// bufferWriter keeps what an HTTP answer would have been, for the TFTP
// glue to reuse the HTTP route's functions.
type bufferWriter struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (w *bufferWriter) Header() http.Header {
	if w.h == nil {
		w.h = http.Header{}
	}
	return w.h
}

func (w *bufferWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *bufferWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}
