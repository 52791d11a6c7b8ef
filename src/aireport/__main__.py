from aireport.cli import main

main()
