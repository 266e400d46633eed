package catalog

// lessons is the syllabus as it ships, one file a lesson (lessonNN.go):
// its contract clause by clause, the checks that test each clause, and a
// hint for every check. catalog_test makes sure nothing is missing.
var lessons = []Lesson{
	lesson01,
	lesson02,
	lesson03,
	lesson04,
	lesson05,
	lesson06,
	lesson07,
	lesson08,
	lesson09,
	lesson10,
	lesson11,
	lesson12,
	lesson13,
	lesson14,
	lesson15,
	lesson16,
	lesson17,
	lesson18,
	lesson19,
	lesson20,
	lesson21,
	lesson22,
	lesson23,
}
