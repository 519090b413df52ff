// Package devicedb is phoneprov's store and the home of its domain rules:
// users, extensions, phone numbers, licenses, devices, lines and the audit
// log, on embedded SQLite, with every change and its audit entry in one
// transaction.
//
// No SQL lives outside this package: the servers call its Go API, so that a
// second backend (PostgreSQL for several nodes) can follow without touching
// them.
package devicedb
