package calc

// evalMonitoring applies clause （一）. TODO(rules): not yet implemented.
func evalMonitoring(e *eval) {}
