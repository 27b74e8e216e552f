package registry

// WriteInFlight reports whether a write request holds off garbage
// collection.
func (r *Registry) WriteInFlight() bool {
	if r.gc.TryLock() {
		r.gc.Unlock()
		return false
	}
	return true
}

// GCPending reports whether a garbage collection runs or waits to run:
// TryRLock fails as soon as a writer has asked for the lock.
func (r *Registry) GCPending() bool {
	if r.gc.TryRLock() {
		r.gc.RUnlock()
		return false
	}
	return true
}
