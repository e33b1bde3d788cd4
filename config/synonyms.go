package config

import (
	_ "embed"
	"fmt"
	"sync"

	"go.yaml.in/yaml/v3"
)

// synonymsYAML is the default header dictionary of the ledger reader (calc/ledger).
//
//go:embed synonyms.yaml
var synonymsYAML []byte

// KindRule says how the ledger reader recognizes one sheet kind from its headers.
type KindRule struct {
	SheetHints []string   `yaml:"sheet_hints"` // words in a sheet name that hint at the kind
	Required   [][]string `yaml:"required"`    // every group must have one of its fields matched
	Fields     []string   `yaml:"fields"`      // fields typical of the kind (scored)
}

type synonymsFile struct {
	Fields yaml.Node           `yaml:"fields"`
	Kinds  map[string]KindRule `yaml:"kinds"`
}

var (
	synOnce   sync.Once
	synFields map[string][]string
	synOrder  []string
	synKinds  map[string]KindRule
	synErr    error
)

func loadSynonyms() {
	var f synonymsFile
	if err := yaml.Unmarshal(synonymsYAML, &f); err != nil {
		synErr = fmt.Errorf("parse synonyms.yaml: %w", err)
		return
	}
	synFields = map[string][]string{}
	// Keep the file's order: it breaks ties between fields.
	for i := 0; i+1 < len(f.Fields.Content); i += 2 {
		key := f.Fields.Content[i].Value
		var vals []string
		if err := f.Fields.Content[i+1].Decode(&vals); err != nil {
			synErr = fmt.Errorf("parse synonyms.yaml field %s: %w", key, err)
			return
		}
		synFields[key] = vals
		synOrder = append(synOrder, key)
	}
	synKinds = f.Kinds
}

// DefaultSynonyms returns the default header dictionary: canonical field → header texts
// (a fresh copy; the caller may change it).
func DefaultSynonyms() map[string][]string {
	synOnce.Do(loadSynonyms)
	if synErr != nil {
		panic(synErr) // the embedded file is part of the build; a test keeps it valid
	}
	out := make(map[string][]string, len(synFields))
	for k, v := range synFields {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// SynonymFieldOrder returns the canonical fields in the order of the dictionary file (ties in
// header matching go to the earlier field).
func SynonymFieldOrder() []string {
	synOnce.Do(loadSynonyms)
	if synErr != nil {
		panic(synErr)
	}
	return append([]string(nil), synOrder...)
}

// DefaultKindRules returns, per sheet kind (calc/ledger Kind* values), how it is recognized.
func DefaultKindRules() map[string]KindRule {
	synOnce.Do(loadSynonyms)
	if synErr != nil {
		panic(synErr)
	}
	out := make(map[string]KindRule, len(synKinds))
	for k, v := range synKinds {
		out[k] = v
	}
	return out
}
