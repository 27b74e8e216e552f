package buildnum

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestNext(t *testing.T) {
	t.Run("increases_per_product_and_survives_a_new_counter", func(t *testing.T) {
		dir := t.TempDir()
		for want := 1; want <= 3; want++ {
			got, err := Counter{Dir: dir}.Next("shop", 0)
			if err != nil || got != want {
				t.Fatalf("Next = %d, %v; want %d", got, err, want)
			}
		}
		if got, _ := (Counter{Dir: dir}).Next("blog", 0); got != 1 {
			t.Errorf("another product starts at %d, want 1", got)
		}
		if got, _ := (Counter{Dir: dir}).Next("shop", 0); got != 4 {
			t.Errorf("after reopening, Next = %d, want 4", got)
		}
	})
	t.Run("floor_from_the_registry_wins_over_a_lost_file", func(t *testing.T) {
		dir := t.TempDir()
		if got, _ := (Counter{Dir: dir}).Next("shop", 41); got != 42 {
			t.Errorf("Next with floor 41 = %d, want 42", got)
		}
		if got, _ := (Counter{Dir: dir}).Next("shop", 10); got != 43 {
			t.Errorf("a lower floor must not go back: got %d, want 43", got)
		}
	})
	t.Run("concurrent_callers_get_distinct_numbers", func(t *testing.T) {
		dir := t.TempDir()
		var mu sync.Mutex
		seen := map[int]bool{}
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := Counter{Dir: dir}.Next("shop", 0)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if seen[n] {
					t.Errorf("build number %d handed out twice", n)
				}
				seen[n] = true
			}()
		}
		wg.Wait()
		if len(seen) != 20 {
			t.Errorf("%d distinct numbers, want 20", len(seen))
		}
	})
	t.Run("refuses_bad_names_and_corrupt_files", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := (Counter{Dir: dir}).Next("../etc", 0); err == nil {
			t.Error("accepted a product name with a path")
		}
		os.WriteFile(filepath.Join(dir, "shop"), []byte("banana"), 0o644)
		if _, err := (Counter{Dir: dir}).Next("shop", 0); err == nil {
			t.Error("accepted a corrupt counter file")
		}
	})
}
