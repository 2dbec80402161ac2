/*
 * riklet-control: the control child of riklet, its own executable so that it
 * maps only the libraries its code calls.
 */
#include "log.h"
#include "privsep.h"

__dead void	control_main(int, char **);

int
main(int argc, char *argv[])
{
	return role_exec_main(argc, argv, control_main);
}
