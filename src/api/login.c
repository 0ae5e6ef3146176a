/* login.c: the password check behind the login endpoints; the rules are
 * in domain/signin.c. */
#include "http.h"
#include "login.h"
#include "signin.h"
#include "banned.h"

int
login_forgive(struct db *db, bool admin, long long id)
{
	return signin_forgive(db, admin, id);
}

int
login_check_or_reply(struct req *r, bool admin, const char *email,
    const char *password, long long *id)
{
	return login_password_or_reply(r, admin, email, password, id, NULL);
}

int
login_password_or_reply(struct req *r, bool admin, const char *email,
    const char *password, long long *id, bool *two_factor)
{
	struct flow	f;

	req_flow(r, &f);
	if (signin_password(&f, admin, email, password, id, two_factor) ==
	    ERR_NONE)
		return 1;
	reply_fault(r, &f.fault);
	return 0;
}
