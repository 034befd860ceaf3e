from huiyin.cli import main

main()
