module github.com/rawsock/httpserver

go 1.26
