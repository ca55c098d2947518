from uprising.cli.main import main

main()
