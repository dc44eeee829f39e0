"""Teaching materials (materiale didattico): files, links and folders per classroom × subject."""
