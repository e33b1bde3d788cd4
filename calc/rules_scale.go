package calc

// evalScaleRisk applies clause （二）. TODO(rules): not yet implemented.
func evalScaleRisk(e *eval) {}
