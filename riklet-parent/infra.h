#ifndef RIKLET_INFRA_H
#define RIKLET_INFRA_H

void	 infra_send_pause(void);

#endif
