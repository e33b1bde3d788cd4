package calc

// evalLinkage applies clause （七）. TODO(rules): not yet implemented.
func evalLinkage(e *eval) {}
