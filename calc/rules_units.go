package calc

// evalUnits applies clause （十六）–（十八）. TODO(rules): not yet implemented.
func evalUnits(e *eval) {}
