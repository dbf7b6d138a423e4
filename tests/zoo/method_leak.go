package main

// `go x.method(arg)`: the store persists each job in a goroutine that
// then sends its acknowledgement, but the ack reader was removed in a
// refactoring.  The compiler starts the goroutine at a wrapper of its own
// (main.methodLeak.func1 / .gowrap1); its author wrote (*jobStore).persist.

func init() { declare(kindLeak, "method-leak") }

type jobStore struct {
	acks  chan int
	saved []int
}

func (s *jobStore) persist(id int) {
	s.saved = append(s.saved, id)
	s.acks <- id // nobody reads acks any more
}

func methodLeak(n int) {
	for i := 0; i < n; i++ {
		s := &jobStore{acks: make(chan int)}
		spawned("method-leak")
		go s.persist(i) // site:method-leak
		leaked("method-leak", 1)
	}
}
