/*
 * config.h: the one configuration file of memberd, memberd-mailer and
 * memberctl. Lines are "key = value"; '#' starts a comment. Every key, its
 * type and its default live in the table in config.c, and are documented
 * in README.md and memberd.conf(5). Secrets never sit in this file: they
 * come from the environment, a file the key names, or a systemd credential.
 */
#ifndef MEMBERD_CONFIG_H
#define MEMBERD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum starttls_mode {
	STARTTLS_AUTO,		/* required, unless smtp_host is loopback */
	STARTTLS_REQUIRED,
	STARTTLS_OPPORTUNISTIC,
	STARTTLS_OFF,
};

enum invite_accept_mode {
	INVITE_ACCEPT_ANY,
	INVITE_ACCEPT_MATCHING_VERIFIED_EMAIL,
};

struct config {
	/* the FastCGI service */
	char	*listen;
	long	 socket_mode;
	char	*socket_group;
	long	 workers;
	char	*public_url;
	bool	 plain_http;
	int	 log_level;		/* enum log_level */

	/* PostgreSQL */
	char	*db_host;
	long	 db_port;
	char	*db_name;
	char	*db_user;
	char	*db_password_file;
	char	*db_sslmode;
	long	 db_connect_timeout;
	bool	 db_prepared_statements;	/* false: unnamed, for PgBouncer */
	long	 db_statement_timeout_ms;	/* request path; 0: none */
	long	 db_lock_timeout_ms;		/* request path; 0: none */
	char	*db_password;		/* resolved secret, never from the file */

	/* identity */
	long	 argon2_memory_kib;
	long	 argon2_iterations;
	long	 argon2_parallelism;
	long	 session_idle_timeout;
	long	 session_lifetime;
	long	 login_max_failures;
	long	 login_failure_window;
	long	 password_reset_ttl;

	/* invitations */
	long	 invite_ttl;
	int	 invite_accept;		/* enum invite_accept_mode */
	long	 invite_pending_limit;
	long	 invite_resend_cooldown;
	long	 invite_sends_per_day;	/* per account, creates and resends */

	/* mail */
	char	*mail_from;
	char	*mail_from_name;
	char	*smtp_host;
	long	 smtp_port;
	int	 smtp_starttls;		/* enum starttls_mode */
	char	*smtp_ca_file;
	char	*smtp_user;
	char	*smtp_password_file;
	long	 smtp_connect_timeout_ms;
	long	 smtp_command_timeout_ms;
	char	*smtp_password;		/* resolved secret */
	long	 mailer_batch_size;
	long	 mailer_poll_interval;
	long	 mailer_lease;
	bool	 mailer_claim_lock;
	long	 mailer_max_attempts;
	long	 mailer_backoff_unit_ms;
	long	 mail_retention;

	/* secrets at rest (secretbox.h) */
	char	*secret_key_file;

	/* webhooks (memberd-webhooks) */
	long	 webhooks_batch_size;
	long	 webhooks_poll_interval;
	long	 webhooks_lease;
	long	 webhooks_max_attempts;
	long	 webhooks_backoff_unit_ms;
	long	 webhooks_disable_after;
	bool	 webhooks_claim_lock;
};

/* Fill every key with its default. Release with config_release. */
void	config_defaults(struct config *);
/*
 * Apply "key = value" lines from text (name is used in messages). Returns
 * 0, or -1 with a message naming the line and the key in err.
 */
int	config_parse(struct config *, const char *name, const char *text,
	    char *err, size_t errlen);
/*
 * Defaults, then the file (path, or $MEMBERD_CONFIG when path is NULL, or
 * nothing when neither is set), then the secrets. 0 or -1 with err set.
 */
int	config_load(struct config *, const char *path, char *err, size_t errlen);
/* Resolve db_password and smtp_password from env, file or credential. */
int	config_load_secrets(struct config *, char *err, size_t errlen);
void	config_release(struct config *);

/* True for localhost, 127.0.0.0/8 and ::1: traffic that never leaves. */
bool	config_host_is_loopback(const char *host);
/* smtp_starttls with auto resolved: required, or off on loopback. */
enum starttls_mode config_starttls(const struct config *);
/* The longest SMTP step without news, in ms (see config_check_mailer). */
long	config_mailer_step_ms(const struct config *);
/*
 * Relations between keys that memberd-mailer needs: a lease long enough
 * for the slowest SMTP step, a password when smtp_user is set, and AUTH
 * only under required STARTTLS off loopback. 0, or -1 with err set.
 */
int	config_check_mailer(const struct config *, char *err, size_t errlen);

/* One line per key: "key = default" and its description, for docs. */
void	config_print_reference(void);

#endif
