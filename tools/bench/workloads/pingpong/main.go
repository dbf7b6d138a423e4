// pingpong: two goroutines bounce a value over unbuffered channels.  With
// GOMAXPROCS=1 every round trip parks each side once (two gopark calls) and
// creates nothing.  Unit: one round trip.
package main

import (
	"time"

	"gostray.bench/harness"
)

func main() {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	harness.Run("roundtrip", nil, func(until time.Time) uint64 {
		var n uint64
		for time.Now().Before(until) {
			for i := 0; i < 256; i++ {
				ping <- i
				<-pong
			}
			n += 256
		}
		return n
	})
}
