SERVER_ADDRESS = 'https://io.gbsl.website'
# SERVER_ADDRESS = 'http://localhost:5000'
