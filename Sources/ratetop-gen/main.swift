RatetopGen.main()
