# Thin wrappers around ./dev, which holds every set-up step.
.PHONY: demo test lint bench setup
demo:
	./dev demo
test:
	./dev test
lint:
	./dev lint
bench:
	./dev bench
setup:
	./dev setup
