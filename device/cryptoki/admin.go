package cryptoki

import (
	"errors"
	"fmt"

	"github.com/miekg/pkcs11"

	"github.com/fiscald/fiscald/device"
)

// ListSlots describes every slot of the module, with or without a token.
func ListSlots(m *Module) ([]SlotInfo, error) {
	if _, err := m.enter(); err != nil {
		return nil, err
	}
	defer m.leave()
	slots, err := m.api.GetSlotList(false)
	if err != nil {
		return nil, fmt.Errorf("cryptoki: list slots: %w", err)
	}
	out := make([]SlotInfo, 0, len(slots))
	for _, id := range slots {
		si, err := m.api.GetSlotInfo(id)
		if err != nil {
			return nil, fmt.Errorf("cryptoki: slot %d: %w", id, err)
		}
		info := SlotInfo{ID: id, Description: si.SlotDescription, TokenPresent: si.Flags&pkcs11.CKF_TOKEN_PRESENT != 0}
		if info.TokenPresent {
			ti, err := m.api.GetTokenInfo(id)
			if err != nil {
				return nil, fmt.Errorf("cryptoki: token in slot %d: %w", id, err)
			}
			info.Label, info.Serial, info.Model, info.Manufacturer = ti.Label, ti.SerialNumber, ti.Model, ti.ManufacturerID
			info.Initialized = ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED != 0
			info.UserPINInitialized = ti.Flags&pkcs11.CKF_USER_PIN_INITIALIZED != 0
			info.UserPINLocked = ti.Flags&pkcs11.CKF_USER_PIN_LOCKED != 0
		}
		out = append(out, info)
	}
	return out, nil
}

// InitToken makes sure a token labelled label exists. If one does, it does
// nothing (created is false; the PINs are not checked). Otherwise it
// initialises the first present token that is not initialised yet
// (SoftHSM2's free slot, a blank card) with soPIN and label and sets the
// user PIN. SoftHSM2 wants PINs of at least 4 characters.
//
// Initialising a token erases it; tokens already initialised are never
// touched.
func InitToken(m *Module, label, soPIN, userPIN string) (created bool, err error) {
	switch {
	case label == "" || len(label) > 32:
		return false, fmt.Errorf("cryptoki: token label %q must have 1 to 32 bytes", label)
	case soPIN == "" || userPIN == "":
		return false, errors.New("cryptoki: init token: SO PIN and user PIN must be set")
	}
	if _, err := m.enter(); err != nil {
		return false, err
	}
	defer m.leave()
	slots, err := m.api.GetSlotList(true)
	if err != nil {
		return false, fmt.Errorf("cryptoki: list slots: %w", err)
	}
	blank, haveBlank := uint(0), false
	for _, id := range slots {
		ti, err := m.api.GetTokenInfo(id)
		if err != nil {
			continue // a token that cannot answer is neither ours nor blank
		}
		if ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED == 0 {
			if !haveBlank {
				blank, haveBlank = id, true
			}
			continue
		}
		if ti.Label == label {
			return false, nil
		}
	}
	if !haveBlank {
		return false, fmt.Errorf("cryptoki: no uninitialised token to create %q on", label)
	}
	if err := initToken(m.api, blank, label, soPIN, userPIN); err != nil {
		return false, fmt.Errorf("cryptoki: init token %q in slot %d: %w", label, blank, err)
	}
	return true, nil
}

func initToken(api API, slot uint, label, soPIN, userPIN string) error {
	if err := api.InitToken(slot, soPIN, label); err != nil {
		return err
	}
	sh, err := api.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		return err
	}
	defer api.CloseSession(sh)
	if err := api.Login(sh, pkcs11.CKU_SO, soPIN); err != nil {
		return fmt.Errorf("log in as SO: %w", err)
	}
	if err := api.InitPIN(sh, userPIN); err != nil {
		api.Logout(sh)
		return fmt.Errorf("set user PIN: %w", err)
	}
	return api.Logout(sh)
}

// withUserSession runs fn on a read-write session of the token sel names,
// logged in as the user, under the module's read lock.
func withUserSession(m *Module, sel TokenSelector, pin string, fn func(api API, sh pkcs11.SessionHandle) error) error {
	if err := sel.Validate(); err != nil {
		return err
	}
	if _, err := m.enter(); err != nil {
		return err
	}
	defer m.leave()
	slot, _, err := resolveSlot(m.api, sel)
	if err != nil {
		return err
	}
	sh, err := m.api.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		return fmt.Errorf("open session on token %s: %w", sel, err)
	}
	defer m.api.CloseSession(sh)
	if err := login(m.api, sh, pin); err != nil {
		return fmt.Errorf("log in to token %s: %w", sel, authErr(err))
	}
	return fn(m.api, sh)
}

// authErr adds device.ErrAuth to PIN errors so that callers such as
// fiscalctl can tell an operator what to do.
func authErr(err error) error {
	if isPKCS11(err) && classify(err) == classAuth {
		return fmt.Errorf("%w: %w", device.ErrAuth, err)
	}
	return err
}
