package calc

// evalRelief applies clause （十二）. TODO(rules): not yet implemented.
func evalRelief(e *eval) {}
