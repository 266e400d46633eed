package catalog

var lesson10 = Lesson{
	Number: 10, Slug: "chat-server", Title: "A chat server", Race: true,
	Hints: map[string]string{
		"welcome_join":     `Under the lock: queue 'welcome NICK' for the newcomer, deliver '* NICK joined' to the others, then add it to the map ("Sharing the room").`,
		"broadcast_others": `Deliver 'NICK: text' to every client but the sender; drop a trailing carriage return and skip empty lines ("Designing the protocol").`,
		"leave_notice":     `When a client's read loop ends, delete it from the map, close its queue and deliver '* NICK left' ("Leaving the room").`,
		"nick_taken":       `Look the nickname up in the map under the lock; if it is there, reply 'ERR nickname taken' and close ("Sharing the room").`,
		"nick_invalid":     `Match the nickname against validNick before joining; reply 'ERR invalid nickname' and close ("Designing the protocol").`,
		"room_crowd":       `Every use of the map goes through the mutex, and each client's lines leave through its one queue and writer, in order ("Sharing the room", "One writer per connection").`,
		"slow_reader":      `Never write to a socket while holding the room's lock: queue without waiting (select with default) and disconnect a client whose queue is full ("Slow readers").`,
		"shutdown_signal":  `Chat clients never leave on their own: after Accept fails, close every client's connection and return from main ("Stopping the server").`,
	},
}
