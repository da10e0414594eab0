package httpserver

import "syscall"

// Accept errors that leave the listener usable.
var (
	errEMFILE       error = syscall.EMFILE
	errENFILE       error = syscall.ENFILE
	errECONNABORTED error = syscall.ECONNABORTED
	errENOBUFS      error = syscall.ENOBUFS
	errENOMEM       error = syscall.ENOMEM
)
