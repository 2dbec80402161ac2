/*
 * The Prometheus endpoint in the control process: plain HTTP/1.1 on the
 * TCP socket the parent bound (control_prom.c), and the text exposition
 * format 0.0.4 made of the parent's answer (control_promtext.c).
 */
#ifndef RIKLET_CONTROL_PROM_H
#define RIKLET_CONTROL_PROM_H

#include <stddef.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "imsg.h"
#include "riklet_msg.h"

#define PROM_REQUEST_MAX	8192	/* request line and headers, bytes */
#define PROM_CONNS_MAX		16	/* clients at once */
#define PROM_TIMEOUT_S		10	/* for a whole request and answer */
#define PROM_BODY_MAX		(32 * 1024 * 1024)

/* What a request asks, once it is whole. */
enum prom_req {
	PROM_REQ_INCOMPLETE,
	PROM_REQ_METRICS,	/* GET /metrics */
	PROM_REQ_NOT_FOUND,	/* any other method or path */
	PROM_REQ_BAD,		/* not an HTTP/1.x request */
	PROM_REQ_TOO_LARGE	/* no end of headers in PROM_REQUEST_MAX */
};

struct imsgev;
struct prom_text;

/* control_prom.c */
void		 prom_http_init(struct event_base *, struct imsgev *);
void		 prom_http_listen(int);
void		 prom_http_parent_msg(struct imsg *);
enum prom_req	 prom_http_request(const char *, size_t);

/* control_promtext.c */
struct prom_text *prom_text_new(void);
void	 prom_text_free(struct prom_text *);
int	 prom_text_status(struct prom_text *, const struct ctl_status *);
int	 prom_text_child(struct prom_text *, const struct ctl_child *);
int	 prom_text_figures(struct prom_text *, const struct ctl_prom *);
int	 prom_text_pod(struct prom_text *, const struct ctl_prom_pod *);
int	 prom_text_metrics(struct prom_text *, const struct ctl_metrics *,
	    const char *);
int	 prom_text_end(struct prom_text *, struct evbuffer *);

#endif
