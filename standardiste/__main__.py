from standardiste.cli import main

main()
