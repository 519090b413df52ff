// Package console is phoneprov's admin console: server-rendered pages for
// devices, users, licenses, the Classic import, the replace wizard and the
// audit log, behind admin sign-in, plus the users' set-password page.
//
// The pages call the devicedb Store directly, with the signed-in admin as
// the audit actor ("admin:NAME"), so the audit log says which admin did
// what; the store's refusals (devicedb.Error) carry the words shown to the
// admin. Import, replace and re-sync take the same hooks as the API
// (Freeze, WelcomeLinkBase, OnReplaced, Registrar).
//
// Security: sessions live in the database and travel in an HttpOnly
// SameSite=Strict cookie (Secure over HTTPS); every form carries a CSRF
// token checked against a second HttpOnly cookie (double submit); sign-in
// is rate-limited per source address.
package console
