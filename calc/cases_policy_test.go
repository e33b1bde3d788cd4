package calc_test

import (
	"fmt"

	"zengshou/calc"
	"zengshou/config"
)

// casePolicy builds the policy of a case's config snippet: YAML in the config file's form
// (`policy: {industry: {calf_cap: 800}}`), read over the shipped defaults and validated.
func casePolicy(snippet string) (*calc.Policy, error) {
	cfg, err := config.Parse([]byte(snippet))
	if err != nil {
		return nil, fmt.Errorf("parse case config: %w", err)
	}
	return cfg.Policy, nil
}
