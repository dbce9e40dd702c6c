package schemas

// sampleValues are values that pass each format.
var sampleValues = map[string]string{
	"email": "tessa@example.fi", "date": "2027-08-01", "fi-personal-identity-code": "010280-952L",
	"fi-business-id": "0112038-9", "fi-postal-code": "00100", "fi-phone": "040 123 4567",
}

// Sample is an application filled in with plausible answers: each field's first
// example, else its default, else its first option, else a value of its format or
// type, with as many list items as the list asks for. The preview shows a form with
// it; a form author sees which rules it breaks. Patterns are not known to the model,
// so a sample may break one; file fields are left empty.
func (s *Service) Sample() map[string]any {
	m, _ := sampleValue(s.Form).(map[string]any)
	return m
}

func sampleValue(n *Node) any {
	if n == nil {
		return nil
	}
	if len(n.Examples) > 0 {
		return n.Examples[0]
	}
	if n.Default != nil {
		return n.Default
	}
	if len(n.Options) > 0 {
		return n.Options[0].Value
	}
	switch n.Type {
	case "object":
		m := map[string]any{}
		for _, p := range n.Properties {
			if p.Widget == "file" || p.Items != nil && p.Items.Widget == "file" {
				continue
			}
			m[p.Name] = sampleValue(p)
		}
		return m
	case "array":
		count := max(n.MinItems, 1)
		items := make([]any, 0, count)
		for i := range count {
			v := sampleValue(n.Items)
			if n.Items != nil && len(n.Items.Options) > 0 {
				v = n.Items.Options[i%len(n.Items.Options)].Value // uniqueItems
			}
			items = append(items, v)
		}
		return items
	case "boolean":
		return true
	case "number", "integer":
		if n.Minimum != nil {
			return *n.Minimum
		}
		return 1
	}
	if v, ok := sampleValues[n.Format]; ok {
		return v
	}
	return "Testi"
}
