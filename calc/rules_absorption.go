package calc

// evalAbsorption applies clause （十一）. TODO(rules): not yet implemented.
func evalAbsorption(e *eval) {}
