package schemas

import "testing"

func TestPersonalIdentityCode(t *testing.T) {
	valid := []string{
		// REFERENCE.md's examples, both century-sign generations.
		"131052-308T", "010594Y9032", "020594X903P", "010516B903X", "030516D9037", "010280-952L",
		// National test identities use individual numbers 900–999.
		"010469-999W", "261298-998X",
		"010101+002S", // 1800s
	}
	for _, s := range valid {
		if !ValidPersonalIdentityCode(s) {
			t.Errorf("%s: rejected, want accepted", s)
		}
	}
	invalid := map[string]string{
		"131052-308U":  "wrong check character",
		"131052-308":   "too short",
		"131052-308TT": "too long",
		"131052Z308T":  "unknown century sign",
		"310252-308T":  "no 31 February",
		"131352-308T":  "no month 13",
		"131052-001U":  "individual number below 002",
		"13105A-308T":  "letter in the date",
		"131052-3+8T":  "sign in the number",
		"":             "empty",
	}
	for s, why := range invalid {
		if ValidPersonalIdentityCode(s) {
			t.Errorf("%q accepted, want rejected (%s)", s, why)
		}
	}
}

func TestBusinessID(t *testing.T) {
	for _, s := range []string{"2077474-0", "0201256-6"} {
		if !ValidBusinessID(s) {
			t.Errorf("%s rejected, want accepted", s)
		}
	}
	for _, s := range []string{"2077474-1", "2077474", "207747-40", "20774740-0", "A077474-0", "2077474-X", "0000001-8"} {
		if ValidBusinessID(s) {
			t.Errorf("%s accepted, want rejected", s)
		}
	}
}

func TestPostalCodeAndPhone(t *testing.T) {
	if !ValidPostalCode("00100") || ValidPostalCode("0010") || ValidPostalCode("00 100") || ValidPostalCode("0010A") {
		t.Error("postal code check is off")
	}
	for _, s := range []string{"040 123 4567", "0401234567", "+358 40 123 4567", "+358401234567", "09 310 88800", "09-310-88800", "+46 8 123 456 78"} {
		if !ValidPhone(s) {
			t.Errorf("phone %q rejected, want accepted", s)
		}
	}
	for _, s := range []string{"12345", "401234567", "+0401234567", "040 123 456a", "-040123456", "040 123 4567 -", "+", "", "0401234567890123"} {
		if ValidPhone(s) {
			t.Errorf("phone %q accepted, want rejected", s)
		}
	}
}
