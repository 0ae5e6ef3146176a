/*
 * Unit tests: the access rules of DESIGN.md sections 3 to 5 (policy.c),
 * one row per rule: who acts, on what account, on whom, granting what,
 * and the answer. Built without the database, HTTP or JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"

#define SOME		(PERM_DOMAINS | PERM_INVOICES)
#define DELEGATE_HOLDS	(PERM_USERS | SOME)

enum who { ADMIN, OWNER, DELEGATE, PLAIN, STRANGER };

static void
standing_of(enum who w, struct standing *s)
{
	switch (w) {
	case ADMIN:
		policy_standing(ACTOR_ADMIN, false, false, 0, s);
		break;
	case OWNER:
		/* the owner's row may say less: it holds every permission */
		policy_standing(ACTOR_MEMBER, true, true, PERM_DOMAINS, s);
		break;
	case DELEGATE:
		policy_standing(ACTOR_MEMBER, true, false, DELEGATE_HOLDS, s);
		break;
	case PLAIN:
		policy_standing(ACTOR_MEMBER, true, false, SOME, s);
		break;
	case STRANGER:
		policy_standing(ACTOR_MEMBER, false, false, 0, s);
		break;
	}
}

struct rule {
	const char		*says;
	enum access_op		 op;
	enum who		 who;
	enum client_status	 account;
	bool			 has_target;
	bool			 target_owner;
	perms_t			 target_perms;
	perms_t			 grant;
	enum err		 want;
};

#define OPEN	CLIENT_ACTIVE
#define CLOSED	CLIENT_CLOSED
#define NOBODY	false, false, 0
#define MEMBER(p)	true, false, (p)
#define THE_OWNER	true, true, PERMS_ALL

static const struct rule rules[] = {
	/* section 3: who may manage users at all */
	{ "an administrator invites", OP_INVITE, ADMIN, OPEN, NOBODY,
	    PERMS_ALL, ERR_NONE },
	{ "the owner invites with every permission", OP_INVITE, OWNER, OPEN,
	    NOBODY, PERMS_ALL, ERR_NONE },
	{ "a member holding users invites", OP_INVITE, DELEGATE, OPEN, NOBODY,
	    PERM_DOMAINS, ERR_NONE },
	{ "a member without users may not invite", OP_INVITE, PLAIN, OPEN,
	    NOBODY, PERM_DOMAINS, ERR_FORBIDDEN },
	{ "a non-member may not invite", OP_INVITE, STRANGER, OPEN, NOBODY,
	    PERM_DOMAINS, ERR_FORBIDDEN },
	{ "inactive accounts still take invitations", OP_INVITE, DELEGATE,
	    CLIENT_INACTIVE, NOBODY, PERM_DOMAINS, ERR_NONE },
	/* section 3: one grants only what one holds */
	{ "a delegate grants only what it holds", OP_INVITE, DELEGATE, OPEN,
	    NOBODY, PERM_DOMAINS | PERM_TICKETS, ERR_FORBIDDEN },
	{ "a delegate may pass on users itself", OP_INVITE, DELEGATE, OPEN,
	    NOBODY, PERM_USERS, ERR_NONE },
	/* README: no one is invited to a closed account */
	{ "no invitation to a closed account, even by an administrator",
	    OP_INVITE, ADMIN, CLOSED, NOBODY, PERM_DOMAINS, ERR_FORBIDDEN },
	{ "the owner of a closed account manages nothing", OP_INVITE, OWNER,
	    CLOSED, NOBODY, PERM_DOMAINS, ERR_FORBIDDEN },
	{ "no resend to a closed account", OP_RESEND, ADMIN, CLOSED,
	    MEMBER(PERM_DOMAINS), 0, ERR_FORBIDDEN },
	{ "an administrator cancels in a closed account", OP_CANCEL, ADMIN,
	    CLOSED, MEMBER(PERM_DOMAINS), 0, ERR_NONE },
	{ "a delegate cancels nothing in a closed account", OP_CANCEL,
	    DELEGATE, CLOSED, MEMBER(PERM_DOMAINS), 0, ERR_FORBIDDEN },
	/* section 3: the delegate rule on invitations */
	{ "a delegate resends an invitation within its permissions",
	    OP_RESEND, DELEGATE, OPEN, MEMBER(PERM_DOMAINS), 0, ERR_NONE },
	{ "a delegate resends no invitation granting more", OP_RESEND,
	    DELEGATE, OPEN, MEMBER(PERM_TICKETS), 0, ERR_FORBIDDEN },
	{ "a delegate cancels an invitation within its permissions",
	    OP_CANCEL, DELEGATE, OPEN, MEMBER(SOME), 0, ERR_NONE },
	{ "a delegate cancels no invitation granting more", OP_CANCEL,
	    DELEGATE, OPEN, MEMBER(PERMS_ALL), 0, ERR_FORBIDDEN },
	{ "the owner resends any invitation", OP_RESEND, OWNER, OPEN,
	    MEMBER(PERMS_ALL), 0, ERR_NONE },
	{ "a member without users resends nothing", OP_RESEND, PLAIN, OPEN,
	    MEMBER(PERM_DOMAINS), 0, ERR_FORBIDDEN },
	/* section 3: changing a member */
	{ "an administrator changes a member", OP_UPDATE, ADMIN, OPEN,
	    MEMBER(PERM_DOMAINS), PERM_TICKETS, ERR_NONE },
	{ "the owner changes a member", OP_UPDATE, OWNER, OPEN,
	    MEMBER(PERM_DOMAINS), PERMS_ALL, ERR_NONE },
	{ "a delegate changes a member within its permissions", OP_UPDATE,
	    DELEGATE, OPEN, MEMBER(PERM_DOMAINS), SOME, ERR_NONE },
	{ "a delegate grants a member nothing it lacks", OP_UPDATE, DELEGATE,
	    OPEN, MEMBER(PERM_DOMAINS), PERM_TICKETS, ERR_FORBIDDEN },
	{ "a delegate does not change a member who can do more", OP_UPDATE,
	    DELEGATE, OPEN, MEMBER(PERM_TICKETS), PERM_TICKETS, ERR_FORBIDDEN },
	{ "a delegate may take permissions away within its own", OP_UPDATE,
	    DELEGATE, OPEN, MEMBER(SOME), PERM_DOMAINS, ERR_NONE },
	{ "a member without users changes no one", OP_UPDATE, PLAIN, OPEN,
	    MEMBER(PERM_DOMAINS), PERM_DOMAINS, ERR_FORBIDDEN },
	{ "no one is changed in a closed account by a member", OP_UPDATE,
	    OWNER, CLOSED, MEMBER(PERM_DOMAINS), SOME, ERR_FORBIDDEN },
	{ "an administrator changes members of a closed account", OP_UPDATE,
	    ADMIN, CLOSED, MEMBER(PERM_DOMAINS), SOME, ERR_NONE },
	/* section 3: the owner can be neither restricted nor removed */
	{ "an administrator cannot restrict the owner", OP_UPDATE, ADMIN,
	    OPEN, THE_OWNER, PERM_DOMAINS, ERR_OWNER_PROTECTED },
	{ "the owner cannot restrict itself", OP_UPDATE, OWNER, OPEN,
	    THE_OWNER, PERM_DOMAINS, ERR_OWNER_PROTECTED },
	{ "a delegate may not touch the owner", OP_UPDATE, DELEGATE, OPEN,
	    THE_OWNER, PERM_DOMAINS, ERR_FORBIDDEN },
	{ "an administrator cannot remove the owner", OP_REMOVE, ADMIN, OPEN,
	    THE_OWNER, 0, ERR_OWNER_PROTECTED },
	{ "a delegate may not remove the owner", OP_REMOVE, DELEGATE, OPEN,
	    THE_OWNER, 0, ERR_FORBIDDEN },
	{ "the owner cannot leave", OP_LEAVE, OWNER, OPEN, THE_OWNER, 0,
	    ERR_OWNER_PROTECTED },
	/* section 3: removing a member */
	{ "the owner removes a member", OP_REMOVE, OWNER, OPEN,
	    MEMBER(PERMS_ALL & ~PERM_USERS), 0, ERR_NONE },
	{ "a delegate removes a member within its permissions", OP_REMOVE,
	    DELEGATE, OPEN, MEMBER(DELEGATE_HOLDS), 0, ERR_NONE },
	{ "a delegate does not remove a member who can do more", OP_REMOVE,
	    DELEGATE, OPEN, MEMBER(DELEGATE_HOLDS | PERM_ORDERS), 0,
	    ERR_FORBIDDEN },
	{ "a member without users removes no one", OP_REMOVE, PLAIN, OPEN,
	    MEMBER(PERM_DOMAINS), 0, ERR_FORBIDDEN },
	{ "a stranger removes no one", OP_REMOVE, STRANGER, OPEN,
	    MEMBER(PERM_DOMAINS), 0, ERR_FORBIDDEN },
	{ "removing someone who is not a member", OP_REMOVE, OWNER, OPEN,
	    NOBODY, 0, ERR_NOT_FOUND },
	/* section 4: any member may leave, even a closed account */
	{ "a member without users may leave", OP_LEAVE, PLAIN, OPEN,
	    MEMBER(SOME), 0, ERR_NONE },
	{ "a member leaves a closed account", OP_LEAVE, PLAIN, CLOSED,
	    MEMBER(SOME), 0, ERR_NONE },
	/* section 11: editing a pending invitation's permissions */
	{ "the owner edits any invitation", OP_EDIT, OWNER, OPEN,
	    MEMBER(PERM_DOMAINS), PERMS_ALL, ERR_NONE },
	{ "a delegate edits an invitation within its permissions", OP_EDIT,
	    DELEGATE, OPEN, MEMBER(PERM_DOMAINS), SOME, ERR_NONE },
	{ "a delegate's edit grants nothing it lacks", OP_EDIT, DELEGATE,
	    OPEN, MEMBER(PERM_DOMAINS), PERM_DOMAINS | PERM_TICKETS,
	    ERR_FORBIDDEN },
	{ "a delegate edits no invitation granting more", OP_EDIT, DELEGATE,
	    OPEN, MEMBER(PERM_TICKETS), PERM_DOMAINS, ERR_FORBIDDEN },
	{ "a member without users edits nothing", OP_EDIT, PLAIN, OPEN,
	    MEMBER(PERM_DOMAINS), PERM_DOMAINS, ERR_FORBIDDEN },
	{ "no edit in a closed account", OP_EDIT, ADMIN, CLOSED,
	    MEMBER(PERM_DOMAINS), PERM_DOMAINS, ERR_FORBIDDEN },
	/* section 11: dismissing an ended invitation */
	{ "a delegate dismisses an invitation within its permissions",
	    OP_DISMISS, DELEGATE, OPEN, MEMBER(PERM_DOMAINS), 0, ERR_NONE },
	{ "a delegate dismisses no invitation granting more", OP_DISMISS,
	    DELEGATE, OPEN, MEMBER(PERMS_ALL), 0, ERR_FORBIDDEN },
	{ "a member without users dismisses nothing", OP_DISMISS, PLAIN,
	    OPEN, MEMBER(PERM_DOMAINS), 0, ERR_FORBIDDEN },
};

static void
test_every_rule_of_sections_3_to_5(void **state)
{
	struct standing	 s;
	struct target	 t;
	const char	*why;
	enum err	 got;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct rule *r = &rules[i];

		standing_of(r->who, &s);
		t.owner = r->target_owner;
		t.perms = r->target_perms;
		why = NULL;
		got = policy_check(r->op, &s, r->account,
		    r->has_target ? &t : NULL, r->grant, &why);
		if (got != r->want)
			fail_msg("%s: got %s, want %s", r->says,
			    err_def(got)->code, err_def(r->want)->code);
		if (got == ERR_NONE && why != NULL)
			fail_msg("%s: allowed with a reason", r->says);
	}
}

static void
test_the_owner_holds_every_permission_whatever_its_row(void **state)
{
	struct standing	s;

	(void)state;
	policy_standing(ACTOR_MEMBER, true, true, PERM_DOMAINS, &s);
	assert_int_equal(s.perms, PERMS_ALL);
	policy_standing(ACTOR_ADMIN, false, false, 0, &s);
	assert_int_equal(s.perms, PERMS_ALL);
	policy_standing(ACTOR_MEMBER, false, false, PERMS_ALL, &s);
	assert_int_equal(s.perms, 0);
	assert_false(s.member);
}

static void
test_denials_say_why_in_the_precise_cases(void **state)
{
	struct standing	 s;
	const char	*why = NULL;

	(void)state;
	standing_of(DELEGATE, &s);
	assert_int_equal(policy_check(OP_INVITE, &s, OPEN, NULL, PERM_TICKETS,
	    &why), ERR_FORBIDDEN);
	assert_string_equal(why, MSG_GRANT_OWN);
	/* why may be NULL */
	assert_int_equal(policy_manage(&s, CLOSED, NULL), ERR_FORBIDDEN);
}

static void
test_losing_users_is_a_change_from_holding_it(void **state)
{
	(void)state;
	assert_true(policy_loses_manage(PERM_USERS | SOME, SOME));
	assert_false(policy_loses_manage(SOME, PERM_DOMAINS));
	assert_false(policy_loses_manage(PERM_USERS, PERM_USERS | SOME));
}

static void
test_resend_works_on_pending_and_expired_only(void **state)
{
	(void)state;
	assert_int_equal(policy_resend_state(INVITE_PENDING, 0, NULL),
	    ERR_NONE);
	assert_int_equal(policy_resend_state(INVITE_EXPIRED, -5, NULL),
	    ERR_NONE);
	assert_int_equal(policy_resend_state(INVITE_ACCEPTED, 0, NULL),
	    ERR_INVITE_USED);
	assert_int_equal(policy_resend_state(INVITE_CANCELLED, 0, NULL),
	    ERR_INVITE_CANCELLED);
	/* section 5: a resend cooldown */
	assert_int_equal(policy_resend_state(INVITE_PENDING, 30, NULL),
	    ERR_RESEND_TOO_SOON);
	/* a used one says so before the cooldown does */
	assert_int_equal(policy_resend_state(INVITE_ACCEPTED, 30, NULL),
	    ERR_INVITE_USED);
}

static void
test_cancel_refuses_only_an_accepted_invitation(void **state)
{
	(void)state;
	assert_int_equal(policy_cancel_state(INVITE_PENDING, NULL), ERR_NONE);
	assert_int_equal(policy_cancel_state(INVITE_EXPIRED, NULL), ERR_NONE);
	/* cancelling a cancelled one answers it unchanged */
	assert_int_equal(policy_cancel_state(INVITE_CANCELLED, NULL),
	    ERR_NONE);
	assert_int_equal(policy_cancel_state(INVITE_ACCEPTED, NULL),
	    ERR_INVITE_USED);
}

static void
test_a_link_is_usable_once_for_its_validity(void **state)
{
	(void)state;
	assert_int_equal(policy_link_state(INVITE_PENDING, false,
	    CLIENT_ACTIVE, NULL), ERR_NONE);
	assert_int_equal(policy_link_state(INVITE_ACCEPTED, false,
	    CLIENT_ACTIVE, NULL), ERR_INVITE_USED);
	assert_int_equal(policy_link_state(INVITE_CANCELLED, false,
	    CLIENT_ACTIVE, NULL), ERR_INVITE_CANCELLED);
	assert_int_equal(policy_link_state(INVITE_EXPIRED, false,
	    CLIENT_ACTIVE, NULL), ERR_INVITE_EXPIRED);
	/* expired as soon as its time is up, before housekeeping marks it */
	assert_int_equal(policy_link_state(INVITE_PENDING, true,
	    CLIENT_ACTIVE, NULL), ERR_INVITE_EXPIRED);
	/* an invitation to a closed account reads as cancelled */
	assert_int_equal(policy_link_state(INVITE_PENDING, false,
	    CLIENT_CLOSED, NULL), ERR_INVITE_CANCELLED);
}

static void
test_a_declined_invitation_is_final(void **state)
{
	(void)state;
	assert_int_equal(policy_link_state(INVITE_DECLINED, false,
	    CLIENT_ACTIVE, NULL), ERR_INVITE_CANCELLED);
	assert_int_equal(policy_resend_state(INVITE_DECLINED, 0, NULL),
	    ERR_INVITE_CANCELLED);
	assert_int_equal(policy_cancel_state(INVITE_DECLINED, NULL),
	    ERR_INVITE_CANCELLED);
	assert_int_equal(policy_edit_state(INVITE_DECLINED, false, NULL),
	    ERR_INVITE_CANCELLED);
	assert_int_equal(policy_dismiss_state(INVITE_DECLINED, false, NULL),
	    ERR_NONE);
}

static void
test_only_a_usable_invitation_is_edited(void **state)
{
	(void)state;
	assert_int_equal(policy_edit_state(INVITE_PENDING, false, NULL),
	    ERR_NONE);
	assert_int_equal(policy_edit_state(INVITE_PENDING, true, NULL),
	    ERR_INVITE_EXPIRED);
	assert_int_equal(policy_edit_state(INVITE_EXPIRED, false, NULL),
	    ERR_INVITE_EXPIRED);
	assert_int_equal(policy_edit_state(INVITE_ACCEPTED, false, NULL),
	    ERR_INVITE_USED);
	assert_int_equal(policy_edit_state(INVITE_CANCELLED, false, NULL),
	    ERR_INVITE_CANCELLED);
}

static void
test_only_an_ended_invitation_is_dismissed(void **state)
{
	(void)state;
	assert_int_equal(policy_dismiss_state(INVITE_EXPIRED, false, NULL),
	    ERR_NONE);
	/* past its time before housekeeping marked it */
	assert_int_equal(policy_dismiss_state(INVITE_PENDING, true, NULL),
	    ERR_NONE);
	assert_int_equal(policy_dismiss_state(INVITE_PENDING, false, NULL),
	    ERR_INVITE_PENDING);
	assert_int_equal(policy_dismiss_state(INVITE_ACCEPTED, false, NULL),
	    ERR_INVITE_USED);
	assert_int_equal(policy_dismiss_state(INVITE_CANCELLED, false, NULL),
	    ERR_NONE);
}

static void
test_pending_invitations_are_capped_per_account(void **state)
{
	(void)state;
	assert_int_equal(policy_pending_limit(49, 50, NULL), ERR_NONE);
	assert_int_equal(policy_pending_limit(50, 50, NULL), ERR_INVITE_LIMIT);
}

static void
test_every_error_has_a_status_and_a_code(void **state)
{
	int	e;

	(void)state;
	for (e = ERR_INVALID_JSON; e < ERR__COUNT; e++) {
		assert_non_null(err_def((enum err)e)->code);
		assert_true(err_def((enum err)e)->status >= 400);
		assert_true(strlen(err_def((enum err)e)->message) > 0);
	}
	assert_string_equal(err_def(ERR_INVITE_PENDING)->code,
	    "invite_pending");
	assert_int_equal(err_def(ERR_INVITE_EXPIRED)->status, 410);
	assert_string_equal(err_def((enum err)999)->code, "internal");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_rule_of_sections_3_to_5),
		cmocka_unit_test(
		    test_the_owner_holds_every_permission_whatever_its_row),
		cmocka_unit_test(test_denials_say_why_in_the_precise_cases),
		cmocka_unit_test(test_losing_users_is_a_change_from_holding_it),
		cmocka_unit_test(test_resend_works_on_pending_and_expired_only),
		cmocka_unit_test(
		    test_cancel_refuses_only_an_accepted_invitation),
		cmocka_unit_test(test_a_link_is_usable_once_for_its_validity),
		cmocka_unit_test(test_a_declined_invitation_is_final),
		cmocka_unit_test(test_only_a_usable_invitation_is_edited),
		cmocka_unit_test(test_only_an_ended_invitation_is_dismissed),
		cmocka_unit_test(test_pending_invitations_are_capped_per_account),
		cmocka_unit_test(test_every_error_has_a_status_and_a_code),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
