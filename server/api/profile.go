package api

import (
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/locales"
	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/server/router"
	"github.com/lomake/lomake/server/store"
)

func (a *API) getProfile(w http.ResponseWriter, r *http.Request) {
	router.JSON(w, http.StatusOK, toProfile(router.User(r)))
}

func toProfile(u store.User) apiv1.Profile {
	return apiv1.Profile{
		Name: u.GivenName + " " + u.FamilyName, IdentityCode: MaskIdentityCode(u.IdentityCode),
		Registered: u.Registered, Email: u.Email, Phone: u.Phone, Language: u.Language, Channel: u.Channel,
	}
}

// putProfile registers the user at first login (consent required) or saves changes.
func (a *API) putProfile(w http.ResponseWriter, r *http.Request) {
	var in apiv1.ProfileInput
	if !router.DecodeJSON(w, r, &in) {
		return
	}
	u := router.User(r)
	if errs := validateProfile(router.Lang(r), in, !u.Registered); len(errs) > 0 {
		router.Invalid(w, r, errs)
		return
	}
	if !u.Registered {
		u.Registered, u.ConsentAt = true, a.now()
	}
	u.Email, u.Phone, u.Language, u.Channel = strings.TrimSpace(in.Email), strings.TrimSpace(in.Phone), in.Language, in.Channel
	u.UpdatedAt = time.Time{}
	if err := a.store.UpdateUser(u); err != nil {
		a.internal(w, r, "saving profile", err)
		return
	}
	router.JSON(w, http.StatusOK, toProfile(u))
}

// validateProfile checks a registration or edit; the messages are in lang.
func validateProfile(lang string, in apiv1.ProfileInput, registering bool) []apiv1.FieldError {
	var errs []apiv1.FieldError
	add := func(pointer, code, id string, data map[string]any) {
		errs = append(errs, apiv1.FieldError{Pointer: pointer, Code: code, Message: locales.T(lang, id, data)})
	}
	label := func(id string) map[string]any {
		l := locales.T(lang, id, nil)
		return map[string]any{"Label": l, "Field": strings.ToLower(l[:1]) + l[1:]}
	}
	if registering && !in.Consent {
		add("/consent", "required", "profile.error.consent", nil)
	}
	email, phone := strings.TrimSpace(in.Email), strings.TrimSpace(in.Phone)
	if email == "" && phone == "" {
		add("/email", "required", "profile.error.contact", nil)
	}
	if email != "" && !validEmail(email) {
		add("/email", "format", "error.format.email", nil)
	}
	if phone != "" && !ValidMobile(phone) {
		add("/phone", "format", "profile.error.mobile", nil)
	}
	if !locales.Supported(in.Language) {
		add("/language", "required", "error.required.choose", label("profile.language"))
	}
	switch in.Channel {
	case "email", "sms", "both":
		if (in.Channel == "email" || in.Channel == "both") && email == "" {
			add("/channel", "enum", "profile.error.channelEmail", nil)
		} else if (in.Channel == "sms" || in.Channel == "both") && phone == "" {
			add("/channel", "enum", "profile.error.channelSms", nil)
		}
	default:
		add("/channel", "required", "error.required.choose", label("profile.channel"))
	}
	return errs
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndexByte(s, '@'):], ".")
}

// ValidMobile accepts a Finnish mobile number (04x, 050) or an international one.
func ValidMobile(s string) bool {
	if !schemas.ValidPhone(s) {
		return false
	}
	digits := strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s))
	switch {
	case strings.HasPrefix(digits, "+358"):
		rest := digits[4:]
		return strings.HasPrefix(rest, "4") || strings.HasPrefix(rest, "50")
	case strings.HasPrefix(digits, "+"):
		return true
	default:
		return strings.HasPrefix(digits, "04") || strings.HasPrefix(digits, "050")
	}
}

// MaskIdentityCode shows only the birth date part: 010280-952L → 010280-****.
func MaskIdentityCode(code string) string {
	if len(code) != 11 {
		return strings.Repeat("*", len(code))
	}
	return code[:7] + "****"
}
