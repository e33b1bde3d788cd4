package calc

// evalIndustry applies clause （三）. TODO(rules): not yet implemented.
func evalIndustry(e *eval) {}
