// carol's lesson 01 does not compile: a variable declared and not used.
package main

func main() {
	fd := 0
}
