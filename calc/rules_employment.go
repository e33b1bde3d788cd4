package calc

// evalEmployment applies clause （八）（九）（十）. TODO(rules): not yet implemented.
func evalEmployment(e *eval) {}
