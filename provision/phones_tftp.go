package provision

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"os"

	"github.com/phoneprov/phoneprov/firmware"
	"github.com/phoneprov/phoneprov/provision/tftp"
)

// TFTP is the source of the TFTP server (provision/tftp): the files phones
// ask for, answered by the same decision as HTTP (Answer), with no
// User-Agent. TFTP cannot authenticate a device, so a device's own files
// (they hold its SIP credentials) go only to sources inside
// PhonesConfig.Allow, and never when Allow is empty; files without secrets
// (a model's shared files, firmware images) go to any source. Every
// refusal is the same "file not found".
func (p *Phones) TFTP() tftp.Source { return tftp.SourceFunc(p.openTFTP) }

// errTFTPRefused is every refusal; the TFTP server answers "file not
// found" whatever the error.
var errTFTPRefused = errors.New("provision: not served over TFTP")

func (p *Phones) openTFTP(ctx context.Context, from netip.AddrPort, name string) (tftp.File, error) {
	if !p.admit.enter(ctx) {
		p.count("", "", "busy")
		return nil, errTFTPRefused
	}
	defer p.admit.leave()
	d := p.Answer(ctx, PhoneRequest{Method: http.MethodGet, Path: "/" + name, Source: from.Addr().Unmap(), NoUserAgent: true})
	p.count(d.ID.Vendor, metricModel(d.ID), "tftp_"+d.Outcome)
	switch {
	case d.Status != http.StatusOK:
		if d.Status == http.StatusInternalServerError && d.Outcome != "gone" {
			p.log.Error("rendering config", "mac", d.ID.MAC, "kind", d.ID.Kind, "err", d.Reason)
		}
		return nil, errTFTPRefused
	case d.Firmware != nil:
		return p.openFirmware(*d.Firmware)
	}
	return bytes.NewReader(d.Body), nil
}

// openFirmware opens a firmware image: read at offsets, closed after the
// transfer.
func (p *Phones) openFirmware(e firmware.Entry) (tftp.File, error) {
	f, err := p.fw.Open(e)
	if err != nil {
		return nil, err
	}
	return firmwareFile{io.NewSectionReader(f, 0, e.Size), f}, nil
}

// firmwareFile is an open image.
type firmwareFile struct {
	*io.SectionReader
	f *os.File
}

func (f firmwareFile) Close() error { return f.f.Close() }
