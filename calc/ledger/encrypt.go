package ledger

import (
	"fmt"
	"os"

	"github.com/xuri/excelize/v2"
)

// decryptedName is the file a password-protected upload is decrypted to.
const decryptedName = "decrypted.xlsx"

// EncryptAs encrypts the result workbook dst with password when the upload was itself
// password-protected (led.Encrypted): a cadre who locked a ledger of names and ID numbers gets
// it back locked with the same password, not in the clear in a group chat. Otherwise it does
// nothing.
func EncryptAs(led *Ledger, dst, password string) error {
	if led == nil || !led.Encrypted || password == "" {
		return nil
	}
	raw, err := os.ReadFile(dst)
	if err != nil {
		return fmt.Errorf("encrypt result: %w", err)
	}
	enc, err := excelize.Encrypt(raw, &excelize.Options{Password: password})
	if err != nil {
		return fmt.Errorf("encrypt result: %w", err)
	}
	if err := os.WriteFile(dst, enc, 0o600); err != nil {
		return fmt.Errorf("encrypt result: %w", err)
	}
	return nil
}
